use clap::Parser;
use orders_hook::cli::{Cli, run};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("orders-hook: {error:#}");
            match error.downcast_ref::<orders_hook::cli::ExitWith>() {
                Some(exit) => ExitCode::from(exit.status),
                None => ExitCode::FAILURE,
            }
        }
    }
}
