//! [`SentencePiece`]: a loaded model, and encoding as `SentencePieceProcessor::Encode` does
//! it: normalise, segment with the model's algorithm, then post-process unknown pieces.
//!
//! The post-processing is part of what `sp.encode(text, out_type=str)` returns, so it is
//! reproduced exactly (`SentencePieceProcessor::EncodeOptimized` of sentencepiece 0.2.3): with
//! byte fallback an unknown piece becomes one `<0xXX>` piece per UTF-8 byte; without it,
//! consecutive unknown pieces are merged into one, whose text is the unknown (normalised)
//! text itself and whose id is the unknown id.

use std::path::Path;

use crate::bpe;
use crate::compat::Compat;
use crate::error::{Error, Result};
use crate::normalizer::Normalizer;
use crate::proto::{ModelProto, ModelType, PieceType};
use crate::simple;
use crate::unigram::Unigram;
use crate::vocab::{byte_piece, Vocab, NO_UNK};

/// One piece of an encoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The piece as `sp.encode(text, out_type=str)` gives it: vocabulary text with "▁" for
    /// whitespace, `<0xXX>` for a byte-fallback byte, or the text of an unknown span.
    pub piece: String,
    /// Its id (`sp.encode(text)`); unknown spans have the unknown id.
    pub id: u32,
}

#[derive(Debug, Clone)]
enum Algorithm {
    Unigram(Unigram),
    Bpe,
    Word,
    Char,
}

/// A SentencePiece model loaded from a `.model` file.
#[derive(Debug, Clone)]
pub struct SentencePiece {
    vocab: Vocab,
    normalizer: Normalizer,
    algorithm: Algorithm,
    model_type: ModelType,
    byte_fallback: bool,
    /// `<0xXX>` piece ids and spellings, indexed by byte (filled only with byte fallback).
    byte_ids: Vec<u32>,
    byte_pieces: Vec<String>,
    proto: ModelProto,
    compat: Compat,
}

impl SentencePiece {
    /// Loads a `.model` file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<SentencePiece> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        SentencePiece::from_bytes(&bytes)
    }

    /// Loads a serialised model (the contents of a `.model` file).
    pub fn from_bytes(bytes: &[u8]) -> Result<SentencePiece> {
        SentencePiece::from_proto(ModelProto::parse(bytes)?)
    }

    /// Builds the model from a parsed `ModelProto`, with sentencepiece's load-time checks.
    pub fn from_proto(proto: ModelProto) -> Result<SentencePiece> {
        if proto.pieces.is_empty() {
            return Err(Error::Model("the model has no pieces".into()));
        }
        let spec = &proto.trainer_spec;
        let vocab = Vocab::new(
            proto.pieces.clone(),
            spec.byte_fallback,
            spec.model_type == ModelType::Bpe,
        )?;
        let normalizer = Normalizer::new(
            &proto.normalizer_spec,
            spec.treat_whitespace_as_suffix,
            vocab.user_defined.clone(),
        )?;
        let algorithm = match spec.model_type {
            ModelType::Unigram => Algorithm::Unigram(Unigram::new(&vocab)?),
            ModelType::Bpe => Algorithm::Bpe,
            ModelType::Word => Algorithm::Word,
            ModelType::Char => Algorithm::Char,
        };
        let (byte_ids, byte_pieces) = if spec.byte_fallback {
            let pieces: Vec<String> = (0..=255u8).map(byte_piece).collect();
            (
                pieces.iter().map(|p| vocab.piece_to_id(p)).collect(),
                pieces,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(SentencePiece {
            model_type: spec.model_type,
            byte_fallback: spec.byte_fallback,
            vocab,
            normalizer,
            algorithm,
            byte_ids,
            byte_pieces,
            proto,
            compat: Compat::default(),
        })
    }

    /// Reproduces another sentencepiece release's unigram tie-breaking (see [`Compat`]).
    pub fn with_compat(mut self, compat: Compat) -> SentencePiece {
        self.compat = compat;
        self
    }

    /// Segments `text` into pieces with their ids.
    pub fn encode(&self, text: &str) -> Vec<Piece> {
        let mut out = Vec::new();
        self.for_each_piece(text, |piece, id| {
            out.push(Piece {
                piece: piece.to_string(),
                id,
            })
        });
        out
    }

    /// The piece strings of `text`, as `sp.encode(text, out_type=str)`.
    pub fn encode_pieces(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_piece(text, |piece, _| out.push(piece.to_string()));
        out
    }

    /// The piece ids of `text`, as `sp.encode(text)`.
    pub fn encode_ids(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        self.for_each_piece(text, |_, id| out.push(id));
        out
    }

    /// The pieces of `text` joined by single spaces: what sacrebleu's SentencePiece
    /// tokenizers (`flores101`, `flores200`) return for a line. sacrebleu's BLEU right-strips
    /// each segment (Python's `str.rstrip()`) before calling the tokenizer; that is the
    /// caller's job.
    pub fn tokenize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() * 2);
        self.for_each_piece(text, |piece, _| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(piece);
        });
        out
    }

    /// Calls `emit(piece, id)` for each piece of `text`, in order, without allocating a
    /// string per piece.
    pub fn for_each_piece(&self, text: &str, mut emit: impl FnMut(&str, u32)) {
        let normalized = self.normalizer.normalize(text);
        let mut raw = Vec::new();
        match &self.algorithm {
            Algorithm::Unigram(u) => u.encode(&self.vocab, self.compat, &normalized, &mut raw),
            Algorithm::Bpe => bpe::encode(&self.vocab, &normalized, &mut raw),
            Algorithm::Word => simple::encode_words(&self.vocab, &normalized, &mut raw),
            Algorithm::Char => simple::encode_chars(&self.vocab, &normalized, &mut raw),
        }
        // A run of unknown pieces is emitted as one piece. The raw pieces tile the normalised
        // text in order, so the run is a byte range of it: (start, end, id of the first).
        let mut unknown_run: Option<(usize, usize, u32)> = None;
        let base = normalized.as_ptr() as usize;
        for (w, id) in raw {
            let unknown = self.vocab.kind(id) == PieceType::Unknown;
            if unknown && self.byte_fallback {
                // With byte fallback every byte of unknown text is its own piece, and runs
                // are not merged.
                for b in w.bytes() {
                    emit(
                        &self.byte_pieces[usize::from(b)],
                        self.byte_ids[usize::from(b)],
                    );
                }
            } else if unknown {
                let start = w.as_ptr() as usize - base;
                unknown_run = match unknown_run {
                    Some((s, _, first)) => Some((s, start + w.len(), first)),
                    None => Some((start, start + w.len(), id)),
                };
            } else {
                if let Some((s, e, first)) = unknown_run.take() {
                    emit(&normalized[s..e], first);
                }
                emit(w, id);
            }
        }
        if let Some((s, e, first)) = unknown_run {
            emit(&normalized[s..e], first);
        }
    }

    /// The normalised text that is segmented, with "▁" for whitespace and the dummy prefix,
    /// as `sp.normalize(text)`.
    pub fn normalize(&self, text: &str) -> String {
        self.normalizer.normalize(text)
    }

    /// The normaliser, for callers that only normalise.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// Number of pieces in the vocabulary (`sp.get_piece_size()`).
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// The piece with this id (`sp.id_to_piece(id)`).
    pub fn id_to_piece(&self, id: u32) -> Option<&str> {
        self.vocab.pieces.get(id as usize).map(|p| p.piece.as_str())
    }

    /// The id of a piece (`sp.piece_to_id(piece)`); `None` where sentencepiece would answer
    /// with the unknown id for a piece that is not the unknown piece itself.
    pub fn piece_to_id(&self, piece: &str) -> Option<u32> {
        let id = self.vocab.piece_to_id(piece);
        (id != NO_UNK && self.vocab.pieces[id as usize].piece == piece).then_some(id)
    }

    /// The score of a piece, if the id exists.
    pub fn score(&self, id: u32) -> Option<f32> {
        self.vocab.pieces.get(id as usize).map(|p| p.score)
    }

    /// The type of a piece, if the id exists.
    pub fn piece_type(&self, id: u32) -> Option<PieceType> {
        self.vocab.pieces.get(id as usize).map(|p| p.kind)
    }

    /// The unknown piece's id (`sp.unk_id()`); `None` for a byte-fallback model without one.
    pub fn unk_id(&self) -> Option<u32> {
        (self.vocab.unk_id != NO_UNK).then_some(self.vocab.unk_id)
    }

    pub fn model_type(&self) -> ModelType {
        self.model_type
    }

    /// Whether unknown characters are spelled as `<0xXX>` byte pieces.
    pub fn byte_fallback(&self) -> bool {
        self.byte_fallback
    }

    /// The parsed model file.
    pub fn proto(&self) -> &ModelProto {
        &self.proto
    }
}
