//! The key/value cache, held outside the model so that it can be forked.
//!
//! Scoring several continuations of one context processes the context once and then clones
//! the cache for each continuation. Tensors are reference-counted, so a clone copies no data;
//! appending builds new tensors (`Tensor::cat`), leaving every fork's view intact.

use candle_core::Tensor;

/// Keys and values of every layer, `[kv_heads, positions, head_dim]` each.
#[derive(Debug, Clone, Default)]
pub struct KvCache {
    layers: Vec<Option<(Tensor, Tensor)>>,
    len: usize,
}

impl KvCache {
    pub fn new(num_layers: usize) -> KvCache {
        KvCache {
            layers: vec![None; num_layers],
            len: 0,
        }
    }

    /// Number of positions cached.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends this step's keys and values for `layer` and returns the full history.
    pub(crate) fn append(
        &mut self,
        layer: usize,
        k: Tensor,
        v: Tensor,
    ) -> candle_core::Result<(Tensor, Tensor)> {
        let (k, v) = match &self.layers[layer] {
            None => (k, v),
            Some((pk, pv)) => (Tensor::cat(&[pk, &k], 1)?, Tensor::cat(&[pv, &v], 1)?),
        };
        self.layers[layer] = Some((k.clone(), v.clone()));
        Ok((k, v))
    }

    /// Records that a forward pass of `n` positions completed.
    pub(crate) fn advance(&mut self, n: usize) {
        self.len += n;
    }
}

impl KvCache {
    /// A view of the first `len` positions (no copy).
    pub fn truncated(&self, len: usize) -> candle_core::Result<KvCache> {
        let layers = self
            .layers
            .iter()
            .map(|l| match l {
                Some((k, v)) => Ok(Some((k.narrow(1, 0, len)?, v.narrow(1, 0, len)?))),
                None => Ok(None),
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(KvCache { layers, len })
    }
}
