//! `weather-pipeline`: the whole weather pipeline on one machine (see `--help` and
//! [`weather_pipeline::runner`]). Thin glue: logging, arguments, exit code.

use std::process::ExitCode;

use clap::Parser;
use telegraf_execd::logger::{self, LogLevel};
use weather_pipeline::args::PipelineArgs;
use weather_pipeline::runner::run_pipeline;

fn main() -> ExitCode {
    logger::init(LogLevel::Info);
    let args = match PipelineArgs::try_parse() {
        Ok(args) => args,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid command line");
            log::error!("{} (see --help)", first.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    logger::set_level(args.log_level);
    if let Err(e) = args.check() {
        log::error!("{e} (see --help)");
        return ExitCode::from(2);
    }
    match run_pipeline(&args) {
        Ok(code) => code,
        Err(e) => {
            log::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}
