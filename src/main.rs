//! `weather-pipeline`: the whole weather pipeline on one machine (see `--help` and
//! [`weather_pipeline::runner`]). Thin glue: logging, arguments, exit code.

use std::process::ExitCode;

use telegraf_execd::cli::parse_args;
use telegraf_execd::logger::{self, LogLevel};
use weather_pipeline::args::PipelineArgs;
use weather_pipeline::runner::run_pipeline;

fn main() -> ExitCode {
    logger::init(LogLevel::Info);
    let args: PipelineArgs = match parse_args() {
        Ok(args) => args,
        Err(code) => return code,
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
