use candle_core::Device;
use kakugo::model::{candle_backend::CandleModel, kv_cache::KvCache, resolve};
use std::time::Instant;

fn main() {
    let spec = std::env::args().nth(1).unwrap_or("smollm2-135m".into());
    let files = resolve::resolve(&spec).unwrap();
    let t = Instant::now();
    let m = CandleModel::load(&files, &Device::Cpu).unwrap();
    eprintln!("load {:?}", t.elapsed());
    let ids: Vec<u32> = (0..300).map(|i| 100 + i as u32).collect();
    for n in [1usize, 2, 27, 300] {
        let t = Instant::now();
        let reps = if n < 30 { 20 } else { 3 };
        for _ in 0..reps {
            let mut c = KvCache::new(m.decoder().config().num_layers);
            let h = m.decoder().forward(&ids[..n], &mut c).unwrap();
            let _ = h;
        }
        let dt = t.elapsed().as_secs_f64() / reps as f64;
        eprintln!(
            "forward n={n}: {:.1} ms ({:.0} tok/s)",
            dt * 1e3,
            n as f64 / dt
        );
    }
    let mut c = KvCache::new(m.decoder().config().num_layers);
    let h = m.decoder().forward(&ids[..27], &mut c).unwrap();
    let last = h.narrow(0, 26, 1).unwrap();
    let t = Instant::now();
    for _ in 0..20 {
        let _ = m.decoder().logits(&last).unwrap().to_vec2::<f32>().unwrap();
    }
    eprintln!(
        "lm head 1 row: {:.1} ms",
        t.elapsed().as_secs_f64() / 20.0 * 1e3
    );
    let t = Instant::now();
    for _ in 0..20 {
        let mut f = c.clone();
        let _ = m.decoder().forward(&ids[27..28], &mut f).unwrap();
    }
    eprintln!(
        "forward 1 token on 27-cache: {:.1} ms",
        t.elapsed().as_secs_f64() / 20.0 * 1e3
    );
}
