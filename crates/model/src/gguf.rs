//! Reading GGUF files: metadata, tensor bounds checks, dequantisation.
//!
//! candle's `gguf_file::Content` parses the header; this module adds what a harness needs
//! on top: typed metadata getters whose errors name the file and key, a check that every
//! tensor lies inside the file (a truncated download fails here with the tensor's name, not
//! later with an opaque read error), and dequantisation to f32.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::quantized::QTensor;
use candle_core::{Device, Tensor};

use kakugo_core::{Error, Result};

/// An open GGUF file.
pub struct GgufFile {
    path: PathBuf,
    content: Content,
    reader: BufReader<File>,
}

impl GgufFile {
    /// Opens and validates a GGUF file: header, metadata and that every tensor's data lies
    /// within the file.
    pub fn open(path: &Path) -> Result<GgufFile> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let mut reader = BufReader::new(file);
        let content = Content::read(&mut reader).map_err(|e| {
            Error::file(
                path,
                format!("not a readable GGUF file (corrupt or truncated header): {e}"),
            )
        })?;
        for (name, info) in &content.tensor_infos {
            let elements = info.shape.elem_count();
            let block = info.ggml_dtype.block_size();
            if elements % block != 0 {
                return Err(Error::file(
                    path,
                    format!("tensor `{name}` has {elements} elements, not a multiple of its block size {block}"),
                ));
            }
            let bytes = (elements / block * info.ggml_dtype.type_size()) as u64;
            let end = content.tensor_data_offset + info.offset + bytes;
            if end > file_len {
                return Err(Error::file(
                    path,
                    format!(
                        "truncated: tensor `{name}` ends at byte {end} but the file has {file_len} bytes"
                    ),
                ));
            }
        }
        Ok(GgufFile {
            path: path.to_path_buf(),
            content,
            reader,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn metadata(&self) -> &HashMap<String, Value> {
        &self.content.metadata
    }

    pub fn has_tensor(&self, name: &str) -> bool {
        self.content.tensor_infos.contains_key(name)
    }

    /// Names of all tensors, sorted.
    pub fn tensor_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .content
            .tensor_infos
            .keys()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names
    }

    /// Storage type of a tensor (`q4_1`, `q8_0`, `f32`, ...).
    pub fn tensor_dtype(&self, name: &str) -> Option<String> {
        self.content
            .tensor_infos
            .get(name)
            .map(|i| format!("{:?}", i.ggml_dtype).to_lowercase())
    }

    /// Reads a tensor as stored (quantised).
    pub fn qtensor(&mut self, name: &str) -> Result<QTensor> {
        self.content
            .tensor(&mut self.reader, name, &Device::Cpu)
            .map_err(|e| Error::file(&self.path, format!("reading tensor `{name}`: {e}")))
    }

    /// Reads a tensor and dequantises it to f32 on `device`.
    pub fn tensor_f32(&mut self, name: &str, device: &Device) -> Result<Tensor> {
        let q = self.qtensor(name)?;
        q.dequantize(device)
            .map_err(|e| Error::file(&self.path, format!("dequantising tensor `{name}`: {e}")))
    }

    fn get(&self, key: &str) -> Result<&Value> {
        self.content
            .metadata
            .get(key)
            .ok_or_else(|| Error::file(&self.path, format!("metadata key `{key}` is missing")))
    }

    fn typed<T>(&self, key: &str, convert: impl Fn(&Value) -> candle_core::Result<T>) -> Result<T> {
        convert(self.get(key)?)
            .map_err(|e| Error::file(&self.path, format!("metadata key `{key}`: {e}")))
    }

    /// An integer metadata value of any integer width.
    pub fn u64(&self, key: &str) -> Result<u64> {
        self.typed(key, |v| match v {
            Value::U8(x) => Ok(*x as u64),
            Value::U16(x) => Ok(*x as u64),
            Value::U32(x) => Ok(*x as u64),
            Value::U64(x) => Ok(*x),
            Value::I8(x) if *x >= 0 => Ok(*x as u64),
            Value::I16(x) if *x >= 0 => Ok(*x as u64),
            Value::I32(x) if *x >= 0 => Ok(*x as u64),
            Value::I64(x) if *x >= 0 => Ok(*x as u64),
            other => candle_core::bail!("expected a non-negative integer, found {other:?}"),
        })
    }

    pub fn opt_u64(&self, key: &str) -> Result<Option<u64>> {
        if self.content.metadata.contains_key(key) {
            self.u64(key).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn f64(&self, key: &str) -> Result<f64> {
        self.typed(key, |v| match v {
            Value::F32(x) => Ok(*x as f64),
            Value::F64(x) => Ok(*x),
            other => candle_core::bail!("expected a float, found {other:?}"),
        })
    }

    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>> {
        if self.content.metadata.contains_key(key) {
            self.f64(key).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn string(&self, key: &str) -> Result<String> {
        self.typed(key, |v| v.to_string().cloned())
    }

    pub fn opt_string(&self, key: &str) -> Result<Option<String>> {
        if self.content.metadata.contains_key(key) {
            self.string(key).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        if self.content.metadata.contains_key(key) {
            self.typed(key, |v| v.to_bool()).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn string_array(&self, key: &str) -> Result<Vec<String>> {
        self.typed(key, |v| {
            v.to_vec()?
                .iter()
                .map(|x| x.to_string().cloned())
                .collect::<candle_core::Result<Vec<_>>>()
        })
    }

    pub fn f32_array(&self, key: &str) -> Result<Vec<f32>> {
        self.typed(key, |v| v.to_vec()?.iter().map(|x| x.to_f32()).collect())
    }

    pub fn i32_array(&self, key: &str) -> Result<Vec<i32>> {
        self.typed(key, |v| v.to_vec()?.iter().map(|x| x.to_i32()).collect())
    }
}
