//! Training checkpoints: everything a resumed run needs to continue exactly.
//!
//! `OUT/checkpoints/step-000120/` holds `state.safetensors` (every LoRA tensor and its AdamW
//! moments, f32, bit-exact) and `state.json` (step, optimizer step count, the run's
//! fingerprint, the loss history, the sha256 of `state.safetensors`). The directory is
//! written under a temporary name and renamed into place, then `OUT/checkpoints/latest.json`
//! is replaced atomically, so a crash leaves the previous checkpoint intact and never a
//! half-written one. The data order and dropout masks are pure functions of (seed, step), so
//! no RNG state needs saving.
//!
//! On resume the fingerprint (base model hash, data hash, every hyper-parameter) must match
//! the current run's, and the tensor file must hash to what was recorded: a corrupt or
//! foreign checkpoint is an error naming the file, never a silent restart.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::lora::Lora;
use super::optim::AdamW;
use kakugo_core::store::atomic::write_atomic;
use kakugo_core::store::hash::sha256_file;
use kakugo_core::{Error, Result};

/// The JSON half of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointState {
    /// Optimisation steps completed.
    pub step: usize,
    /// Identifies the run: base model, data and hyper-parameters.
    pub fingerprint: String,
    /// Mean train loss per completed step.
    pub train_losses: Vec<f64>,
    /// `(step, val loss)` pairs measured so far.
    pub val_losses: Vec<(usize, f64)>,
    /// sha256 of `state.safetensors`.
    pub tensors_sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Latest {
    dir: String,
}

pub fn checkpoints_dir(out: &Path) -> PathBuf {
    out.join("checkpoints")
}

/// Writes a checkpoint for `state.step` and points `latest.json` at it.
pub fn save(out: &Path, lora: &Lora, opt: &AdamW, mut state: CheckpointState) -> Result<PathBuf> {
    let root = checkpoints_dir(out);
    let name = format!("step-{:06}", state.step);
    let final_dir = root.join(&name);
    let tmp_dir = root.join(format!(".{name}.tmp{}", std::process::id()));
    if tmp_dir.exists() {
        std::fs::remove_dir_all(&tmp_dir).map_err(|e| Error::io(&tmp_dir, e))?;
    }
    std::fs::create_dir_all(&tmp_dir).map_err(|e| Error::io(&tmp_dir, e))?;
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    for (i, (pname, var)) in lora.params().into_iter().enumerate() {
        tensors.insert(format!("{pname}.m"), opt.m[i].clone());
        tensors.insert(format!("{pname}.v"), opt.v[i].clone());
        tensors.insert(pname, var.as_tensor().clone());
    }
    let st = tmp_dir.join("state.safetensors");
    candle_core::safetensors::save(&tensors, &st)
        .map_err(|e| Error::file(&st, format!("writing checkpoint tensors: {e}")))?;
    std::fs::File::open(&st)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(&st, e))?;
    state.tensors_sha256 = sha256_file(&st)?;
    let json = serde_json::to_vec_pretty(&state).expect("json");
    write_atomic(&tmp_dir.join("state.json"), &json)?;
    if final_dir.exists() {
        std::fs::remove_dir_all(&final_dir).map_err(|e| Error::io(&final_dir, e))?;
    }
    std::fs::rename(&tmp_dir, &final_dir).map_err(|e| Error::io(&final_dir, e))?;
    let latest = serde_json::to_vec_pretty(&Latest { dir: name }).expect("json");
    write_atomic(&root.join("latest.json"), &latest)?;
    Ok(final_dir)
}

/// Loads the latest checkpoint into `lora` and `opt`, checking it belongs to this run.
/// Returns `None` when there is no checkpoint.
pub fn load_latest(
    out: &Path,
    fingerprint: &str,
    lora: &Lora,
    opt: &mut AdamW,
) -> Result<Option<CheckpointState>> {
    let root = checkpoints_dir(out);
    let latest_path = root.join("latest.json");
    if !latest_path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&latest_path).map_err(|e| Error::io(&latest_path, e))?;
    let latest: Latest = serde_json::from_str(&text)
        .map_err(|e| Error::parse(&latest_path, e.line(), "dir", e.to_string()))?;
    let dir = root.join(&latest.dir);
    let state_path = dir.join("state.json");
    let text = std::fs::read_to_string(&state_path).map_err(|e| Error::io(&state_path, e))?;
    let state: CheckpointState = serde_json::from_str(&text)
        .map_err(|e| Error::parse(&state_path, e.line(), "state", e.to_string()))?;
    if state.fingerprint != fingerprint {
        return Err(Error::usage_hint(
            format!(
                "{}: this checkpoint belongs to a different run (base model, data or hyper-parameters differ)",
                state_path.display()
            ),
            "resume with exactly the same arguments, or use a fresh --out directory",
        ));
    }
    let st = dir.join("state.safetensors");
    let sha = sha256_file(&st)?;
    if sha != state.tensors_sha256 {
        return Err(Error::file(
            &st,
            format!(
                "corrupt checkpoint: sha256 {sha} differs from the {} recorded in state.json",
                state.tensors_sha256
            ),
        ));
    }
    let tensors = candle_core::safetensors::load(&st, &Device::Cpu)
        .map_err(|e| Error::file(&st, format!("corrupt checkpoint: {e}")))?;
    let get = |name: &str, like: &Tensor| -> Result<Tensor> {
        let t = tensors
            .get(name)
            .ok_or_else(|| Error::file(&st, format!("checkpoint lacks tensor `{name}`")))?;
        if t.dims() != like.dims() {
            return Err(Error::file(
                &st,
                format!(
                    "tensor `{name}` has shape {:?}, the run expects {:?}",
                    t.dims(),
                    like.dims()
                ),
            ));
        }
        Ok(t.to_device(like.device())?)
    };
    for (i, (pname, var)) in lora.params().into_iter().enumerate() {
        var.set(&get(&pname, var.as_tensor())?)?;
        opt.m[i] = get(&format!("{pname}.m"), var.as_tensor())?;
        opt.v[i] = get(&format!("{pname}.v"), var.as_tensor())?;
    }
    opt.t = state.step;
    Ok(Some(state))
}
