use clap::Parser;
use orders_hook::cli::{Cli, run};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("orders-hook: {error:#}");
            ExitCode::FAILURE
        }
    }
}
