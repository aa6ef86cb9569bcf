//! The real tier: the shipped models (`scripts/fetch-models.sh`), the real data
//! (`$KAKUGO_DATA`, `../shared/data` in CI) and a llama.cpp server on 127.0.0.1
//! (`$KAKUGO_LLAMA_SERVER`, started by `scripts/with-llama-server.sh`). Built only with
//! `--features real`; `scripts/test.sh` (the README's test command) runs it after the fast
//! tier. A missing model, data directory or server fails loudly, never skips.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/http_proxy.rs"]
mod http_proxy;
#[path = "../common/tiny.rs"]
mod tiny;
#[path = "../common/training.rs"]
mod training;

mod bad_input;
mod batch_invariance;
mod chrf_flores;
mod data_loaders;
mod eval_http;
mod eval_multiple_choice;
mod eval_off_target;
mod eval_sib200;
mod experiment_kill;
mod fast_scoring;
mod generation_fidelity;
mod llama_cpp_agreement;
mod lm_eval_agreement;
mod safetensors_and_hub;
mod synth_cli;
mod synth_http;
mod synth_quality;
mod train;
mod train_llama_cpp;
mod transformers_agreement;
