//! The `neardup` binary: parse flags, validate, run, map the outcome to an exit code.
//!
//! Exit codes: 0 success; 1 error; 2 bad usage; 3 finished, but some input records could not be
//! read (see the `reason` column of documents.csv) or an input shrank while the reports were
//! written (a warning names it).

mod cli;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

const EXIT_ERROR: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_UNREADABLE: u8 = 3;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Scan(args) => {
            let quiet = args.quiet;
            let config = match args.into_config() {
                Ok(config) => config,
                Err(message) => {
                    eprintln!("neardup: {message}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            match neardup::run(&config) {
                Ok(summary) => {
                    if !quiet {
                        let _ = write!(std::io::stderr(), "{summary}");
                    }
                    for warning in &summary.warnings {
                        eprintln!("neardup: warning: {warning}");
                    }
                    if summary.unreadable > 0 {
                        eprintln!(
                            "neardup: {} input records could not be read; see the reason column of documents.csv",
                            summary.unreadable
                        );
                    }
                    if summary.changed_late > 0 {
                        eprintln!(
                            "neardup: {} records changed while the reports were written; see the warnings above",
                            summary.changed_late
                        );
                    }
                    if summary.unreadable > 0 || summary.changed_late > 0 {
                        ExitCode::from(EXIT_UNREADABLE)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(err) => report_error(&anyhow::Error::new(err)),
            }
        }
    }
}

/// Prints an error with its cause chain; a closed pipe is not an error.
fn report_error(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return ExitCode::SUCCESS;
        }
    }
    let mut message = format!("neardup: {err}");
    for cause in err.chain().skip(1) {
        message.push_str(&format!("\n  caused by: {cause}"));
    }
    eprintln!("{message}");
    ExitCode::from(EXIT_ERROR)
}
