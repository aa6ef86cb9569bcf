//! A reader for the protobuf wire format of sentencepiece's `ModelProto`
//! (`src/sentencepiece_model.proto` in google/sentencepiece), limited to the fields that
//! encoding needs.
//!
//! The format is small enough that a generated parser would be more code than this: a message
//! is a sequence of `(field number << 3 | wire type)` keys, each followed by a varint, a
//! 4- or 8-byte little-endian value, or a varint length and that many bytes (strings, bytes
//! and embedded messages). Unknown fields are skipped, as protobuf requires, so models written
//! by newer sentencepiece versions still load.
//!
//! Protobuf semantics that matter here and are kept: a scalar field that occurs twice takes
//! its last value; an embedded message that occurs twice is merged; absent fields take the
//! `.proto` defaults (`add_dummy_prefix = true`, `model_type = UNIGRAM`, ...); an enum value the
//! schema does not know leaves the field as it was (proto2 closed enums), as the C++ library
//! does.

use crate::error::{Error, Result};

/// `TrainerSpec.ModelType`: the segmentation algorithm of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelType {
    /// Unigram language model, segmented by Viterbi.
    #[default]
    Unigram,
    /// Byte-pair encoding, merged by piece score.
    Bpe,
    /// Whitespace-delimited words.
    Word,
    /// One piece per character.
    Char,
}

impl ModelType {
    fn from_proto(v: i32) -> Option<ModelType> {
        Some(match v {
            1 => ModelType::Unigram,
            2 => ModelType::Bpe,
            3 => ModelType::Word,
            4 => ModelType::Char,
            _ => return None,
        })
    }
}

/// `ModelProto.SentencePiece.Type`: the role of a vocabulary entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PieceType {
    /// An ordinary piece that segmentation may produce.
    #[default]
    Normal,
    /// The unknown piece (`<unk>`); exactly one per model.
    Unknown,
    /// Control symbols such as `<s>` and `</s>`: never produced from text.
    Control,
    /// User-defined symbols: matched verbatim in the raw text, never normalised or split.
    UserDefined,
    /// Byte pieces `<0x00>`..`<0xFF>`, used for byte fallback.
    Byte,
    /// In the vocabulary but never emitted.
    Unused,
}

impl PieceType {
    fn from_proto(v: i32) -> Option<PieceType> {
        Some(match v {
            1 => PieceType::Normal,
            2 => PieceType::Unknown,
            3 => PieceType::Control,
            4 => PieceType::UserDefined,
            5 => PieceType::Unused,
            6 => PieceType::Byte,
            _ => return None,
        })
    }
}

/// One vocabulary entry (`ModelProto.SentencePiece`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PieceProto {
    /// The piece's text, with whitespace as U+2581.
    pub piece: String,
    /// Log-probability (unigram) or merge priority (BPE); larger is preferred.
    pub score: f32,
    pub kind: PieceType,
}

/// The `TrainerSpec` fields that affect encoding or describe the vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerSpec {
    pub model_type: ModelType,
    pub vocab_size: i32,
    pub byte_fallback: bool,
    pub treat_whitespace_as_suffix: bool,
    pub unk_id: i32,
    pub bos_id: i32,
    pub eos_id: i32,
    pub pad_id: i32,
    pub unk_piece: String,
    pub bos_piece: String,
    pub eos_piece: String,
    pub pad_piece: String,
}

impl Default for TrainerSpec {
    /// The defaults of `sentencepiece_model.proto`.
    fn default() -> Self {
        TrainerSpec {
            model_type: ModelType::Unigram,
            vocab_size: 8000,
            byte_fallback: false,
            treat_whitespace_as_suffix: false,
            unk_id: 0,
            bos_id: 1,
            eos_id: 2,
            pad_id: -1,
            unk_piece: "<unk>".into(),
            bos_piece: "<s>".into(),
            eos_piece: "</s>".into(),
            pad_piece: "<pad>".into(),
        }
    }
}

/// `NormalizerSpec`: how raw text becomes the string that is segmented.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizerSpec {
    /// Rule name the model was trained with (`nmt_nfkc`, `identity`, ...); informational,
    /// the rules themselves are in `precompiled_charsmap`.
    pub name: String,
    /// A double-array trie of source strings plus the blob of their replacements.
    pub precompiled_charsmap: Vec<u8>,
    pub add_dummy_prefix: bool,
    pub remove_extra_whitespaces: bool,
    pub escape_whitespaces: bool,
}

impl Default for NormalizerSpec {
    fn default() -> Self {
        NormalizerSpec {
            name: String::new(),
            precompiled_charsmap: Vec::new(),
            add_dummy_prefix: true,
            remove_extra_whitespaces: true,
            escape_whitespaces: true,
        }
    }
}

/// The parts of a `.model` file that encoding uses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelProto {
    pub pieces: Vec<PieceProto>,
    pub trainer_spec: TrainerSpec,
    pub normalizer_spec: NormalizerSpec,
}

impl ModelProto {
    /// Parses a serialised `ModelProto`.
    pub fn parse(bytes: &[u8]) -> Result<ModelProto> {
        let mut model = ModelProto::default();
        let mut r = Reader::new(bytes, 0);
        while let Some((field, wire)) = r.key()? {
            match (field, wire) {
                (1, Wire::Len) => {
                    let (sub, base) = r.bytes()?;
                    model.pieces.push(parse_piece(sub, base)?);
                }
                (2, Wire::Len) => {
                    let (sub, base) = r.bytes()?;
                    merge_trainer_spec(&mut model.trainer_spec, sub, base)?;
                }
                (3, Wire::Len) => {
                    let (sub, base) = r.bytes()?;
                    merge_normalizer_spec(&mut model.normalizer_spec, sub, base)?;
                }
                // self_test_data (4) and denormalizer_spec (5) only matter for decoding and
                // for sentencepiece's own load-time self test.
                (1..=3, _) => return Err(r.wrong_wire(field)),
                _ => r.skip(wire)?,
            }
        }
        Ok(model)
    }
}

fn parse_piece(buf: &[u8], base: usize) -> Result<PieceProto> {
    let mut piece = PieceProto::default();
    let mut r = Reader::new(buf, base);
    while let Some((field, wire)) = r.key()? {
        match (field, wire) {
            (1, Wire::Len) => piece.piece = r.string()?,
            (2, Wire::Fixed32) => piece.score = f32::from_bits(r.fixed32()?),
            (3, Wire::Varint) => {
                if let Some(kind) = PieceType::from_proto(r.varint()? as i32) {
                    piece.kind = kind;
                }
            }
            (1..=3, _) => return Err(r.wrong_wire(field)),
            _ => r.skip(wire)?,
        }
    }
    Ok(piece)
}

fn merge_trainer_spec(spec: &mut TrainerSpec, buf: &[u8], base: usize) -> Result<()> {
    let mut r = Reader::new(buf, base);
    while let Some((field, wire)) = r.key()? {
        match (field, wire) {
            (3, Wire::Varint) => {
                if let Some(t) = ModelType::from_proto(r.varint()? as i32) {
                    spec.model_type = t;
                }
            }
            // int32 fields: protobuf truncates the 64-bit varint (negative ids are sign
            // extended to ten bytes on the wire).
            (4, Wire::Varint) => spec.vocab_size = r.varint()? as i32,
            (24, Wire::Varint) => spec.treat_whitespace_as_suffix = r.varint()? != 0,
            (35, Wire::Varint) => spec.byte_fallback = r.varint()? != 0,
            (40, Wire::Varint) => spec.unk_id = r.varint()? as i32,
            (41, Wire::Varint) => spec.bos_id = r.varint()? as i32,
            (42, Wire::Varint) => spec.eos_id = r.varint()? as i32,
            (43, Wire::Varint) => spec.pad_id = r.varint()? as i32,
            (45, Wire::Len) => spec.unk_piece = r.string()?,
            (46, Wire::Len) => spec.bos_piece = r.string()?,
            (47, Wire::Len) => spec.eos_piece = r.string()?,
            (48, Wire::Len) => spec.pad_piece = r.string()?,
            (3 | 4 | 24 | 35 | 40..=43 | 45..=48, _) => return Err(r.wrong_wire(field)),
            _ => r.skip(wire)?,
        }
    }
    Ok(())
}

fn merge_normalizer_spec(spec: &mut NormalizerSpec, buf: &[u8], base: usize) -> Result<()> {
    let mut r = Reader::new(buf, base);
    while let Some((field, wire)) = r.key()? {
        match (field, wire) {
            (1, Wire::Len) => spec.name = r.string()?,
            (2, Wire::Len) => spec.precompiled_charsmap = r.bytes()?.0.to_vec(),
            (3, Wire::Varint) => spec.add_dummy_prefix = r.varint()? != 0,
            (4, Wire::Varint) => spec.remove_extra_whitespaces = r.varint()? != 0,
            (5, Wire::Varint) => spec.escape_whitespaces = r.varint()? != 0,
            (1..=5, _) => return Err(r.wrong_wire(field)),
            _ => r.skip(wire)?,
        }
    }
    Ok(())
}

/// Protobuf wire types. Groups (3 and 4) are deprecated and never appear in model files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    Varint,
    Fixed64,
    Len,
    Fixed32,
}

/// A cursor over one message. `base` is the message's offset in the file, so errors can
/// point at the byte that is wrong.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    fn err(&self, reason: impl Into<String>) -> Error {
        Error::Proto {
            offset: self.base + self.pos,
            reason: reason.into(),
        }
    }

    fn wrong_wire(&self, field: u32) -> Error {
        self.err(format!("field {field} has an unexpected wire type"))
    }

    /// The next field key, or `None` at the end of the message.
    fn key(&mut self) -> Result<Option<(u32, Wire)>> {
        if self.pos == self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let field = key >> 3;
        if field == 0 || field > u64::from(u32::MAX >> 3) {
            return Err(self.err(format!("invalid field number {field}")));
        }
        let wire = match key & 7 {
            0 => Wire::Varint,
            1 => Wire::Fixed64,
            2 => Wire::Len,
            5 => Wire::Fixed32,
            w => return Err(self.err(format!("unsupported wire type {w}"))),
        };
        Ok(Some((field as u32, wire)))
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        // At most ten bytes: 64 bits in 7-bit groups.
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(self.err("truncated varint"));
            };
            self.pos += 1;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.err("varint longer than ten bytes"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() - self.pos < n {
            return Err(self.err(format!(
                "truncated: {n} bytes expected, {} left",
                self.buf.len() - self.pos
            )));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn fixed32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A length-delimited field and its offset in the file.
    fn bytes(&mut self) -> Result<(&'a [u8], usize)> {
        let len = self.varint()?;
        let len = usize::try_from(len).map_err(|_| self.err("length too large"))?;
        let base = self.base + self.pos;
        Ok((self.take(len)?, base))
    }

    fn string(&mut self) -> Result<String> {
        let start = self.pos;
        let (b, _) = self.bytes()?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| Error::Proto {
                offset: self.base + start,
                reason: "string field is not valid UTF-8".into(),
            })
    }

    fn skip(&mut self, wire: Wire) -> Result<()> {
        match wire {
            Wire::Varint => self.varint().map(drop),
            Wire::Fixed64 => self.take(8).map(drop),
            Wire::Len => self.bytes().map(drop),
            Wire::Fixed32 => self.take(4).map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn len_field(field: u64, payload: &[u8], out: &mut Vec<u8>) {
        varint(field << 3 | 2, out);
        varint(payload.len() as u64, out);
        out.extend_from_slice(payload);
    }

    #[test]
    fn defaults_merging_and_unknown_fields() {
        let mut piece = Vec::new();
        len_field(1, "▁a".as_bytes(), &mut piece);
        varint(2 << 3 | 5, &mut piece);
        piece.extend_from_slice(&(-1.5f32).to_le_bytes());
        varint(3 << 3, &mut piece);
        varint(4, &mut piece);
        // An unknown fixed64 field is skipped.
        varint(99 << 3 | 1, &mut piece);
        piece.extend_from_slice(&[0; 8]);
        let mut trainer1 = Vec::new();
        varint(3 << 3, &mut trainer1);
        varint(2, &mut trainer1);
        let mut trainer2 = Vec::new();
        varint(35 << 3, &mut trainer2);
        varint(1, &mut trainer2);
        // pad_id = -1 as a ten-byte varint.
        varint(43 << 3, &mut trainer2);
        varint(u64::MAX, &mut trainer2);
        let mut model = Vec::new();
        len_field(1, &piece, &mut model);
        len_field(2, &trainer1, &mut model);
        len_field(2, &trainer2, &mut model);
        let m = ModelProto::parse(&model).unwrap();
        assert_eq!(m.pieces.len(), 1);
        assert_eq!(m.pieces[0].piece, "▁a");
        assert_eq!(m.pieces[0].score, -1.5);
        assert_eq!(m.pieces[0].kind, PieceType::UserDefined);
        // Two trainer_spec messages merge.
        assert_eq!(m.trainer_spec.model_type, ModelType::Bpe);
        assert!(m.trainer_spec.byte_fallback);
        assert_eq!(m.trainer_spec.pad_id, -1);
        assert!(m.normalizer_spec.add_dummy_prefix);
    }

    #[test]
    fn errors_point_at_the_bad_byte() {
        let e = ModelProto::parse(&[0x0a, 0x05, 0x0a]).unwrap_err();
        assert!(matches!(e, Error::Proto { offset: 2, .. }), "{e}");
        let e = ModelProto::parse(&[0x78, 0x80]).unwrap_err();
        assert!(e.to_string().contains("truncated varint"), "{e}");
        let e = ModelProto::parse(&[0x0b]).unwrap_err();
        assert!(e.to_string().contains("wire type 3"), "{e}");
        let e = ModelProto::parse(&[0x08, 0x01]).unwrap_err();
        assert!(e.to_string().contains("field 1"), "{e}");
    }
}
