//! The training settings: one typed config that `kakugo train` flattens into its flags and an
//! experiment's `[train]` section deserialises, so both read the same names, the same
//! defaults (written once, in the `#[arg]` attributes below) and the same validation.
//!
//! ```
//! use kakugo_train::config::TrainConfig;
//! let c: TrainConfig = toml::from_str("rank = 16\ntargets = [\"q\", \"k\", \"v\", \"o\"]").unwrap();
//! assert_eq!((c.rank, c.alpha, c.targets.to_string().as_str()), (16, 16.0, "q,k,v,o"));
//! assert!(toml::from_str::<TrainConfig>("rnak = 8").unwrap_err().to_string().contains("rnak"));
//! ```

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use kakugo_core::spec::ModelSpec;
use kakugo_core::{Error, Result};

use crate::data::TooLong;
use crate::export::GgufType;
use crate::lora::{LoraConfig, Target};
use crate::TrainOptions;

/// LoRA fine-tuning settings (everything but the base model, the data and the output).
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
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
    pub targets: Targets,
    /// Peak learning rate (AdamW, linear warm-up then cosine decay to zero).
    #[arg(long, default_value_t = 2e-4)]
    pub lr: f64,
    /// Passes over the training data.
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
    /// Seed of the adapter init, split, data order and dropout [default: 0; in an experiment,
    /// the experiment's seed].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Fraction of examples held out for the validation loss.
    #[arg(long, default_value_t = 0.05)]
    pub val_frac: f64,
    /// Write a checkpoint (and measure the validation loss) every N steps; 0: only at the end
    /// [default: 0; in an experiment, 5, so a killed unit loses little].
    #[arg(long)]
    pub checkpoint_every: Option<usize>,
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
}

impl Default for TrainConfig {
    /// The defaults of the flags above: the only place they are written.
    fn default() -> Self {
        kakugo_core::config::clap_defaults()
    }
}

impl TrainConfig {
    /// The options of one training run of `base` on `data` into `out`.
    pub fn options(&self, base: &ModelSpec, data: &Path, out: &Path) -> TrainOptions {
        TrainOptions {
            base: base.clone(),
            data: data.into(),
            out: out.into(),
            lora: LoraConfig::new(self.rank, self.alpha, self.dropout, &self.targets.0),
            lr: self.lr,
            epochs: self.epochs,
            batch_tokens: self.batch_tokens,
            grad_accum: self.grad_accum,
            warmup: self.warmup,
            seed: self.seed.unwrap_or(0),
            val_frac: self.val_frac,
            checkpoint_every: self.checkpoint_every.unwrap_or(0),
            resume: false,
            max_len: self.max_len,
            on_too_long: self.on_too_long,
            max_grad_norm: self.max_grad_norm,
            max_steps: self.max_steps,
            export_gguf: self.export_gguf,
            progress: false,
        }
    }

    /// Checks every value that a flag's type alone does not rule out, naming the setting.
    pub fn validate(&self) -> Result<()> {
        // Building the options checks them; the paths do not matter for that.
        let base = ModelSpec::Path("base".into());
        self.options(&base, Path::new("data"), Path::new("out"))
            .validate()
    }
}

/// A list of LoRA targets: `q,v` or `all` on the command line; a list or that string in TOML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets(pub Vec<Target>);

impl FromStr for Targets {
    type Err = Error;
    fn from_str(s: &str) -> Result<Targets> {
        Target::parse_list(s).map(Targets)
    }
}

impl fmt::Display for Targets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|t| t.name()).collect();
        f.write_str(&names.join(","))
    }
}

impl Serialize for Targets {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Targets {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Targets, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Text(String),
            List(Vec<String>),
        }
        let text = match Form::deserialize(d)? {
            Form::Text(s) => s,
            Form::List(items) => items.join(","),
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_flags_defaults() {
        let c = TrainConfig::default();
        assert_eq!(c.rank, 8);
        assert_eq!(c.targets, Targets(vec![Target::Q, Target::V]));
        assert_eq!(c.on_too_long, TooLong::Truncate);
        assert_eq!(c.seed, None);
        // An empty TOML section is the defaults; writing a default out changes nothing.
        assert_eq!(toml::from_str::<TrainConfig>("").unwrap(), c);
        assert_eq!(toml::from_str::<TrainConfig>("rank = 8").unwrap(), c);
    }

    #[test]
    fn typos_and_bad_targets_fail_when_read() {
        let err = toml::from_str::<TrainConfig>("rnak = 8")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `rnak`"), "{err}");
        let err = toml::from_str::<TrainConfig>("targets = [\"q\", \"attn\"]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown LoRA target `attn`"), "{err}");
        assert_eq!(
            toml::from_str::<TrainConfig>("targets = \"all\"")
                .unwrap()
                .targets
                .0
                .len(),
            7
        );
    }
}
