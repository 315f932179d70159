//! neardup-gen: seeded generator of template-site corpora with ground truth.
//!
//! - `neardup-gen corpus --pages N --seed S --out DIR [--txt]`: a synthetic crawl of 范文网-style
//!   sites (`pages.jsonl`, `truth.jsonl`, optionally `txt/<host>/<id>.txt`), see [`corpus`].
//! - `neardup-gen sample --seeds DIR --out data/`: the project's bundled sample built from the
//!   real seed pages, see [`sample`].

mod corpus;
mod sample;
mod site;
mod text;
mod vocab;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(
    version,
    about = "Seeded generator of template-site corpora with ground truth"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Synthetic corpus: DIR/pages.jsonl, DIR/truth.jsonl (and DIR/txt/<host>/<id>.txt).
    Corpus {
        #[arg(long, default_value_t = 10_000)]
        pages: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Also write one .txt file per page under DIR/txt/<site-host>/.
        #[arg(long)]
        txt: bool,
    },
    /// The bundled sample: the real seed pages plus pages derived from them, with truth.
    Sample {
        #[arg(long, default_value = "/work/shared/seeds")]
        seeds: PathBuf,
        #[arg(long, default_value = "data")]
        out: PathBuf,
        #[arg(long, default_value_t = 2024)]
        seed: u64,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Corpus {
            pages,
            seed,
            out,
            txt,
        } => {
            let t = Instant::now();
            let stats = corpus::write(seed, pages, &out, txt)?;
            eprint!("{stats}");
            eprintln!(
                "wrote {} in {:.1} s",
                out.display(),
                t.elapsed().as_secs_f64()
            );
        }
        Cmd::Sample { seeds, out, seed } => {
            let n = sample::write(&seeds, &out, seed)?;
            eprintln!("wrote {n} pages to {}", out.display());
        }
    }
    Ok(())
}
