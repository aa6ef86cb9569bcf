//! `kakugo train`: LoRA supervised fine-tuning of a base model on SFT JSONL.
//!
//! ```text
//! kakugo train --base smollm2-135m --data sft.jsonl --out runs/cand [--rank 8 --alpha 16
//!   --dropout 0.05 --targets q,v --lr 2e-4 --epochs 1 --batch-tokens 1024 --grad-accum 1
//!   --warmup 0.05 --seed 0 --val-frac 0.05 --checkpoint-every N --resume --max-len 512
//!   --on-too-long truncate|drop --export-gguf q8_0]
//! kakugo train --export trl|axolotl --base ... --data ... --out DIR
//! ```
//! Writes `OUT/adapter/` (PEFT), `OUT/merged/` (a model directory `kakugo eval --model`
//! loads), `OUT/gguf/` on request, `OUT/lineage.json`, and `OUT/checkpoints/`.

use std::path::PathBuf;

use clap::Args;

use crate::train::data::TooLong;
use crate::train::export::GgufType;
use crate::train::external::{self, ExternalTrainer};
use crate::train::lora::{LoraConfig, Target};
use crate::train::TrainOptions;

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Base model: a .gguf file, a Hugging Face directory, hf:ORG/NAME[@REV], or a preset.
    #[arg(long)]
    pub base: String,
    /// SFT JSONL (PolyglotTeachers-SFT schema, or {"messages": [...]} per line).
    #[arg(long)]
    pub data: PathBuf,
    /// Output directory of the candidate.
    #[arg(long)]
    pub out: PathBuf,
    /// LoRA rank.
    #[arg(long, default_value_t = 8)]
    pub rank: usize,
    /// LoRA alpha (the update is scaled by alpha / rank).
    #[arg(long, default_value_t = 16.0)]
    pub alpha: f64,
    /// Dropout on the adapters' input (seeded).
    #[arg(long, default_value_t = 0.05)]
    pub dropout: f64,
    /// Adapted projections, comma-separated: q,k,v,o,gate,up,down or all.
    #[arg(long, default_value = "q,v")]
    pub targets: String,
    /// Peak learning rate (AdamW, linear warm-up then cosine decay to zero).
    #[arg(long, default_value_t = 2e-4)]
    pub lr: f64,
    #[arg(long, default_value_t = 1)]
    pub epochs: usize,
    /// Tokens per micro-batch: examples are packed up to this, without attending to each other.
    #[arg(long, default_value_t = 1024)]
    pub batch_tokens: usize,
    /// Micro-batches per optimisation step.
    #[arg(long, default_value_t = 1)]
    pub grad_accum: usize,
    /// Warm-up, as a fraction of all steps.
    #[arg(long, default_value_t = 0.05)]
    pub warmup: f64,
    /// Seed of the adapter init, split, data order and dropout.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Fraction of examples held out for the validation loss.
    #[arg(long, default_value_t = 0.05)]
    pub val_frac: f64,
    /// Write a checkpoint (and measure the validation loss) every N steps; 0: only at the end.
    #[arg(long, default_value_t = 0)]
    pub checkpoint_every: usize,
    /// Continue the run in --out from its latest checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Longest example in tokens.
    #[arg(long, default_value_t = 512)]
    pub max_len: usize,
    /// What to do with longer examples (both are counted in the log and lineage).
    #[arg(long, value_enum, default_value_t = TooLong::Truncate)]
    pub on_too_long: TooLong,
    /// Clip the global gradient norm to this (0: no clipping).
    #[arg(long, default_value_t = 1.0)]
    pub max_grad_norm: f64,
    /// Stop after this many steps (the learning-rate schedule spans them).
    #[arg(long)]
    pub max_steps: Option<usize>,
    /// Also write a GGUF of the merged model.
    #[arg(long, value_enum)]
    pub export_gguf: Option<GgufType>,
    /// Instead of training, write the dataset and a configuration for TRL or axolotl.
    #[arg(long, value_enum)]
    pub export: Option<ExternalTrainer>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl TrainArgs {
    pub fn options(&self) -> crate::Result<TrainOptions> {
        let targets = Target::parse_list(&self.targets)?;
        Ok(TrainOptions {
            base: self.base.clone(),
            data: self.data.clone(),
            out: self.out.clone(),
            lora: LoraConfig::new(self.rank, self.alpha, self.dropout, &targets),
            lr: self.lr,
            epochs: self.epochs,
            batch_tokens: self.batch_tokens,
            grad_accum: self.grad_accum,
            warmup: self.warmup,
            seed: self.seed,
            val_frac: self.val_frac,
            checkpoint_every: self.checkpoint_every,
            resume: self.resume,
            max_len: self.max_len,
            on_too_long: self.on_too_long,
            max_grad_norm: self.max_grad_norm,
            max_steps: self.max_steps,
            export_gguf: self.export_gguf,
            progress: !self.quiet,
        })
    }
}

pub fn run(args: TrainArgs) -> anyhow::Result<i32> {
    let opts = args.options()?;
    if let Some(which) = args.export {
        external::export(&opts, which)?;
        return Ok(0);
    }
    let s = crate::train::train(&opts)?;
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

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: TrainArgs,
    }

    #[test]
    fn defaults_and_targets() {
        let t = T::parse_from([
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
        ]);
        let o = t.a.options().unwrap();
        assert_eq!(o.lora.targets, vec![Target::Q, Target::K, Target::Down]);
        assert_eq!(o.lora.rank, 8);
        assert_eq!(o.on_too_long, TooLong::Drop);
        assert_eq!(o.export_gguf, Some(GgufType::Q4_0));
        let bad = T::parse_from([
            "x",
            "--base",
            "m",
            "--data",
            "d",
            "--out",
            "o",
            "--targets",
            "q,attn",
        ]);
        let err = bad.a.options().unwrap_err().to_string();
        assert!(err.contains("unknown LoRA target `attn`"), "{err}");
    }
}
