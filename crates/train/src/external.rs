//! `kakugo train --export trl|axolotl`: the same experiment for a GPU cluster.
//!
//! Writes into `OUT/`:
//! - `data/train.jsonl`, `data/val.jsonl`: the same seeded split `kakugo train` makes (same
//!   seed, same `--val-frac`), before tokenisation (the external trainer tokenises with the
//!   same chat template);
//! - `trl_sft.yaml` for `trl sft --config trl_sft.yaml` (TRL ≥ 0.20), or `axolotl.yaml` for
//!   `axolotl train axolotl.yaml`, carrying the LoRA and optimiser hyper-parameters and the
//!   chat template;
//! - `base-hf/` when the base is a GGUF: the dequantised base as a Hugging Face checkpoint
//!   (external trainers need safetensors), written by `kakugo_model::export`.
//!
//! Loss masking: TRL trains on the `completion` of prompt–completion rows, so each
//! conversation is written as `prompt` = every message before the last assistant turn,
//! `completion` = that turn (identical to kakugo for single-turn data; earlier assistant turns
//! of multi-turn data become context). axolotl's `chat_template` loader trains on every
//! assistant turn (`roles_to_train: [assistant]`, `train_on_eos: turn`), as kakugo does.
//! The merged output of either (`merge_and_unload`, `axolotl merge-lora`) is a Hugging Face
//! directory that `kakugo eval --model DIR` loads.

use std::path::Path;

use serde_json::json;

use super::data::{self, SftExample};
use super::TrainOptions;
use kakugo_core::store::atomic::write_atomic;
use kakugo_core::{Error, Result};
use kakugo_model::candle_backend::CandleModel;
use kakugo_model::resolve::{self, WeightFiles};

/// Which external trainer to write for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExternalTrainer {
    Trl,
    Axolotl,
}

/// Writes the dataset and configuration for `which` into `opts.out`.
pub fn export(opts: &TrainOptions, which: ExternalTrainer) -> Result<()> {
    let examples = data::read_sft(&opts.data)?;
    let (train, val) = data::split(examples, opts.val_frac, opts.seed);
    let files = resolve::resolve(&opts.base)?;
    let model = CandleModel::load(&files, &candle_core::Device::Cpu)?;
    let base = match &files.weights {
        WeightFiles::Gguf(_) => {
            let dir = opts.out.join("base-hf");
            kakugo_model::export::write_hf_checkpoint(&model, &dir, candle_core::DType::F32)?;
            dir.canonicalize()
                .map_err(|e| Error::io(&dir, e))?
                .display()
                .to_string()
        }
        WeightFiles::Safetensors(_) => opts.base.hf_name(),
    };
    let data_dir = opts.out.join("data");
    let trl = which == ExternalTrainer::Trl;
    write_rows(&data_dir.join("train.jsonl"), &train, trl)?;
    write_rows(&data_dir.join("val.jsonl"), &val, trl)?;
    let data_abs = data_dir
        .canonicalize()
        .map_err(|e| Error::io(&data_dir, e))?;
    let template = model.chat_template().source().to_string();
    let targets: Vec<&str> = opts.lora.targets.iter().map(|t| t.peft_name()).collect();
    let q = |s: &str| serde_json::to_string(s).expect("json string");
    let list = targets.iter().map(|t| q(t)).collect::<Vec<_>>().join(", ");
    let l = &opts.lora;
    let text = match which {
        ExternalTrainer::Trl => format!(
            "# trl sft --config trl_sft.yaml  (written by kakugo train --export trl)\n\
             model_name_or_path: {base}\n\
             dataset_name: {data}\n\
             output_dir: {out}\n\
             use_peft: true\n\
             lora_r: {r}\n\
             lora_alpha: {alpha}\n\
             lora_dropout: {dropout}\n\
             lora_target_modules: [{list}]\n\
             learning_rate: {lr}\n\
             num_train_epochs: {epochs}\n\
             lr_scheduler_type: cosine\n\
             warmup_ratio: {warmup}\n\
             gradient_accumulation_steps: {accum}\n\
             per_device_train_batch_size: 1\n\
             max_length: {max_len}\n\
             packing: true\n\
             padding_free: true\n\
             completion_only_loss: true\n\
             max_grad_norm: {clip}\n\
             weight_decay: 0.0\n\
             seed: {seed}\n\
             eval_strategy: epoch\n\
             bf16: true\n\
             chat_template_path: {tmpl_path}\n",
            base = q(&base),
            data = q(&data_abs.display().to_string()),
            out = q("trl-output"),
            r = l.rank,
            alpha = l.alpha,
            dropout = l.dropout,
            lr = opts.lr,
            epochs = opts.epochs,
            warmup = opts.warmup,
            accum = opts.grad_accum,
            max_len = opts.max_len,
            clip = opts.max_grad_norm,
            seed = opts.seed,
            tmpl_path = q(&data_abs.join("chat_template.jinja").display().to_string()),
        ),
        ExternalTrainer::Axolotl => format!(
            "# axolotl train axolotl.yaml  (written by kakugo train --export axolotl)\n\
             base_model: {base}\n\
             datasets:\n  - path: {train}\n    type: chat_template\n    field_messages: messages\n    roles_to_train: [\"assistant\"]\n    train_on_eos: turn\n\
             test_datasets:\n  - path: {val}\n    type: chat_template\n    field_messages: messages\n    split: train\n\
             chat_template: jinja\n\
             chat_template_jinja: {tmpl}\n\
             adapter: lora\n\
             lora_r: {r}\n\
             lora_alpha: {alpha}\n\
             lora_dropout: {dropout}\n\
             lora_target_modules: [{list}]\n\
             sequence_len: {max_len}\n\
             sample_packing: true\n\
             micro_batch_size: 1\n\
             gradient_accumulation_steps: {accum}\n\
             num_epochs: {epochs}\n\
             learning_rate: {lr}\n\
             lr_scheduler: cosine\n\
             warmup_ratio: {warmup}\n\
             optimizer: adamw_torch\n\
             weight_decay: 0.0\n\
             max_grad_norm: {clip}\n\
             seed: {seed}\n\
             bf16: auto\n\
             output_dir: ./axolotl-output\n",
            base = q(&base),
            train = q(&data_abs.join("train.jsonl").display().to_string()),
            val = q(&data_abs.join("val.jsonl").display().to_string()),
            tmpl = q(&template),
            r = l.rank,
            alpha = l.alpha,
            dropout = l.dropout,
            lr = opts.lr,
            epochs = opts.epochs,
            warmup = opts.warmup,
            accum = opts.grad_accum,
            max_len = opts.max_len,
            clip = opts.max_grad_norm,
            seed = opts.seed,
        ),
    };
    write_atomic(&data_dir.join("chat_template.jinja"), template.as_bytes())?;
    let name = if trl { "trl_sft.yaml" } else { "axolotl.yaml" };
    write_atomic(&opts.out.join(name), text.as_bytes())?;
    tracing::info!(
        train = train.len(),
        val = val.len(),
        config = %opts.out.join(name).display(),
        "external trainer configuration written"
    );
    Ok(())
}

fn write_rows(path: &Path, rows: &[SftExample], prompt_completion: bool) -> Result<()> {
    let mut out = Vec::new();
    for ex in rows {
        let v = if prompt_completion {
            let last = ex
                .messages
                .iter()
                .rposition(|m| m.role == "assistant")
                .expect("read_sft checked for an assistant turn");
            json!({"id": ex.id, "prompt": ex.messages[..last], "completion": [ex.messages[last].clone()]})
        } else {
            json!({"id": ex.id, "messages": ex.messages})
        };
        out.extend(serde_json::to_vec(&v).expect("json"));
        out.push(b'\n');
    }
    write_atomic(path, &out)
}
