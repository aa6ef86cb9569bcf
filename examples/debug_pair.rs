use candle_core::Device;
use kakugo::model::{candle_backend::CandleModel, resolve};
fn main() {
    let spec = std::env::args().nth(1).unwrap();
    let fixture = std::env::args().nth(2).unwrap();
    let files = resolve::resolve(&spec).unwrap();
    let m = CandleModel::load(&files, &Device::Cpu).unwrap();
    for line in std::fs::read_to_string(fixture).unwrap().lines().take(3) {
        let f: serde_json::Value = serde_json::from_str(line).unwrap();
        let p = m
            .encode_pair(
                f["context"].as_str().unwrap(),
                f["continuation"].as_str().unwrap(),
            )
            .unwrap();
        let c: Vec<u32> = f["context_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        println!(
            "ctx equal {} ({} vs {})",
            p.context == c,
            p.context.len(),
            c.len()
        );
        if p.context != c {
            println!(
                "{:?}\n{:?}",
                &p.context[..p.context.len().min(40)],
                &c[..c.len().min(40)]
            );
        }
    }
}
