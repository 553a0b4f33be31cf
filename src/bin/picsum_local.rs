//! The local picture server on its own, for other programs (the Python originals among
//! them): `cargo run --bin picsum-local -- --port 8000`, then fetch
//! `http://127.0.0.1:8000/200/3000`. It prints one line per request it receives
//! (`request 3: GET /200/3000`), so you can count what a program asked for.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use workbook::server::{Fault, PictureServer, ServerConfig, ServerError};
use workbook::units::say;

/// A stand-in for https://picsum.photos on 127.0.0.1: GET /{width}/{height} answers a JPEG.
#[derive(Parser)]
#[command(name = "picsum-local")]
struct Args {
    /// Port to listen on (0 lets the OS pick a free one).
    #[arg(long, default_value_t = 8000)]
    port: u16,

    /// How long to wait before answering each request, in ms.
    #[arg(long, value_name = "MS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    latency_ms: u64,

    /// Cap the sending speed, in kilobytes per second.
    #[arg(long, value_name = "KB_PER_S",
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    bandwidth_kbps: Option<u64>,

    /// Do not print a line for each request.
    #[arg(long)]
    quiet: bool,

    /// Make request N fail: N:404, N:500, N:503 (any status 400-599), N:reset,
    /// N:truncate, N:stall or N:trickle. Repeat for more. Any request can also ask for
    /// a fault itself: /200/3000?fault=500.
    #[arg(long, value_name = "N:FAULT", value_parser = Fault::numbered)]
    fault: Vec<(usize, Fault)>,
}

fn main() -> ExitCode {
    let args: Args = workbook::units::parse_args();
    let config = ServerConfig {
        latency: Duration::from_millis(args.latency_ms),
        bandwidth: args.bandwidth_kbps.map(|kb| kb * 1000),
        log_requests: !args.quiet,
        faults: args.fault,
        ..ServerConfig::default()
    };
    let server =
        match PictureServer::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)), config) {
            Ok(server) => server,
            Err(error) => {
                let advice = match &error {
                    ServerError::Bind { .. } => {
                        " (is another server there? choose another --port, or 0 for any free one)"
                    }
                    _ => "",
                };
                eprintln!("picsum-local: {error}{advice}");
                return ExitCode::FAILURE;
            }
        };
    // The first line names the address, so a script can read the port it got.
    say(&format!("listening on http://{}", server.addr()));
    say(&format!(
        "try http://{}/200/3000 ({} ms latency); Ctrl-C stops the server",
        server.addr(),
        args.latency_ms
    ));
    server.wait();
    ExitCode::SUCCESS
}
