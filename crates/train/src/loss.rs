//! Cross-entropy over the LM head, in chunks of rows, with its gradient in closed form.
//!
//! Gemma 3's head has 262,144 rows: the logits of a 512-token micro-batch would take 512 MiB,
//! and autograd would keep them (and the softmax) alive until the backward pass. Instead the
//! loss is computed `chunk` rows at a time on *detached* hidden states, together with its
//! gradient with respect to those hidden states, `(softmax(h Wᵀ) - onehot(y)) W`; the model's
//! backward pass is then driven by the surrogate `sum(h ⊙ G)`, whose gradient with respect
//! to every parameter equals the cross-entropy's. At most `[chunk, vocab]` logits exist at a
//! time.

use candle_core::{DType, Tensor, D};

use kakugo_core::Result;

/// Rows per LM-head chunk.
pub const DEFAULT_CHUNK: usize = 128;

/// Summed negative log-likelihood of `targets` given `hidden` rows (`[rows, hidden]`), and,
/// when `with_grad`, its gradient with respect to `hidden` (same shape).
pub fn chunked_cross_entropy(
    hidden: &Tensor,
    lm_head: &Tensor,
    targets: &[u32],
    chunk: usize,
    with_grad: bool,
) -> Result<(f64, Option<Tensor>)> {
    let hidden = hidden.detach();
    let rows = targets.len();
    let mut total = 0f64;
    let mut grads = Vec::new();
    let mut start = 0;
    while start < rows {
        let len = chunk.min(rows - start);
        let h = hidden.narrow(0, start, len)?;
        let logits = h.matmul(&lm_head.t()?)?; // [len, vocab]
        let max = logits.max_keepdim(D::Minus1)?;
        let shifted = logits.broadcast_sub(&max)?;
        let exp = shifted.exp()?;
        let sum = exp.sum_keepdim(D::Minus1)?;
        let lse = sum.log()?; // log-sum-exp of shifted logits, [len, 1]
        let y = Tensor::new(&targets[start..start + len], hidden.device())?.unsqueeze(1)?;
        let picked = shifted.gather(&y, 1)?; // [len, 1]
        let nll = (lse - picked)?;
        total += nll.to_dtype(DType::F64)?.sum_all()?.to_scalar::<f64>()?;
        if with_grad {
            let probs = exp.broadcast_div(&sum)?;
            let onehot = Tensor::zeros(probs.shape(), DType::F32, hidden.device())?.scatter_add(
                &y,
                &Tensor::ones((len, 1), DType::F32, hidden.device())?,
                1,
            )?;
            grads.push((probs - onehot)?.matmul(lm_head)?);
        }
        start += len;
    }
    let grad = if with_grad {
        Some(Tensor::cat(&grads, 0)?)
    } else {
        None
    };
    Ok((total, grad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    /// The closed-form gradient equals autograd's through a full log-softmax, and chunking
    /// changes nothing.
    #[test]
    fn closed_form_gradient_matches_autograd() {
        let dev = Device::Cpu;
        let h = Var::from_tensor(
            &Tensor::arange(0f32, 12.0, &dev)
                .unwrap()
                .reshape((3, 4))
                .unwrap()
                .affine(0.1, -0.3)
                .unwrap(),
        )
        .unwrap();
        let w = Tensor::arange(0f32, 20.0, &dev)
            .unwrap()
            .reshape((5, 4))
            .unwrap()
            .affine(0.05, -0.4)
            .unwrap()
            .sin()
            .unwrap();
        let targets = [1u32, 4, 0];
        let (loss, grad) = chunked_cross_entropy(h.as_tensor(), &w, &targets, 2, true).unwrap();
        let logits = h.as_tensor().matmul(&w.t().unwrap()).unwrap();
        let lsm = candle_nn::ops::log_softmax(&logits, D::Minus1).unwrap();
        let y = Tensor::new(&targets, &dev).unwrap().unsqueeze(1).unwrap();
        let nll = lsm.gather(&y, 1).unwrap().sum_all().unwrap().neg().unwrap();
        let auto = nll.backward().unwrap();
        let g_auto = auto.get(h.as_tensor()).unwrap();
        assert!((loss - nll.to_scalar::<f32>().unwrap() as f64).abs() < 1e-5);
        let diff = (grad.unwrap() - g_auto)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(diff < 1e-6, "max |Δ| {diff}");
        let (loss1, _) = chunked_cross_entropy(h.as_tensor(), &w, &targets, 1, false).unwrap();
        assert!((loss1 - loss).abs() < 1e-6);
    }
}
