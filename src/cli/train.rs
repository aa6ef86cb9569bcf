//! `kakugo train`: LoRA supervised fine-tuning of a base model on SFT JSONL.
//!
//! Writes `OUT/adapter/` (PEFT), `OUT/merged/` (a model directory `kakugo eval --model`
//! loads), `OUT/gguf/` on request, `OUT/lineage.json`, and `OUT/checkpoints/`. The settings
//! are [`TrainConfig`], the same type an experiment's `[train]` section holds.

use std::path::PathBuf;

use clap::Args;

use kakugo::train::config::TrainConfig;
use kakugo::train::external::{self, ExternalTrainer};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kakugo train --base smollm2-135m --data kk.jsonl --out cand/
  kakugo train --base smollm2-135m --data kk.jsonl --out cand/ --rank 16 --targets q,k,v,o --lr 1e-3
  kakugo train --base smollm2-135m --data kk.jsonl --out cand/ --resume
  kakugo train --base smollm2-135m --data kk.jsonl --out trl/ --export trl")]
pub struct TrainArgs {
    /// Base model: a .gguf file, a Hugging Face directory, hf:ORG/NAME[@REV], or a preset.
    #[arg(long)]
    pub base: kakugo::model::ModelSpec,
    /// SFT JSONL (PolyglotTeachers-SFT schema, or {"messages": [...]} per line).
    #[arg(long)]
    pub data: PathBuf,
    /// Output directory of the candidate.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub config: TrainConfig,
    /// Continue the run in --out from its latest checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Instead of training, write the dataset and a configuration for TRL or axolotl.
    #[arg(long, value_enum)]
    pub export: Option<ExternalTrainer>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: TrainArgs) -> anyhow::Result<i32> {
    let mut opts = args.config.options(&args.base, &args.data, &args.out);
    opts.resume = args.resume;
    opts.progress = !args.quiet;
    if let Some(which) = args.export {
        external::export(&opts, which)?;
        return Ok(0);
    }
    let s = kakugo::train::train(&opts)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "out": s.out,
            "steps": s.steps,
            "train_loss": [s.first_train_loss, s.final_train_loss],
            "val_loss": [s.initial_val_loss, s.final_val_loss],
            "tokens_per_second": s.tokens_per_second,
            "examples": {"train": s.train_examples, "val": s.val_examples,
                          "truncated": s.data.truncated, "dropped": s.data.dropped},
        }))?
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use kakugo::train::data::TooLong;
    use kakugo::train::export::GgufType;
    use kakugo::train::lora::Target;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: TrainArgs,
    }

    #[test]
    fn defaults_and_targets() {
        let t = T::try_parse_from([
            "x",
            "--base",
            "m",
            "--data",
            "d.jsonl",
            "--out",
            "o",
            "--targets",
            "q,k,down",
            "--on-too-long",
            "drop",
            "--export-gguf",
            "q4_0",
        ])
        .unwrap();
        let o = t.a.config.options(&t.a.base, "d".as_ref(), "o".as_ref());
        assert_eq!(o.lora.targets, vec![Target::Q, Target::K, Target::Down]);
        assert_eq!(o.lora.rank, 8);
        assert_eq!(o.on_too_long, TooLong::Drop);
        assert_eq!(o.export_gguf, Some(GgufType::Q4_0));
        let err = T::try_parse_from([
            "x",
            "--base",
            "m",
            "--data",
            "d",
            "--out",
            "o",
            "--targets",
            "q,attn",
        ])
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("unknown LoRA target `attn`"), "{err}");
    }
}
