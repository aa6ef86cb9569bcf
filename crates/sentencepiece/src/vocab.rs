//! The vocabulary: pieces, their ids and roles, with the consistency checks sentencepiece
//! (0.2.3) makes when it loads a model (`ModelInterface::InitializePieces`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::{Error, Result};
use crate::proto::{PieceProto, PieceType};
use crate::trie::Trie;

/// The id segmentation gives unknown text when the model has no `<unk>` piece, which
/// sentencepiece allows with byte fallback (its id −1); such text always ends up as bytes.
pub(crate) const NO_UNK: u32 = u32::MAX - 1;

/// sentencepiece rejects pieces of this many bytes or more (`kMaxPieceSize`).
const MAX_PIECE_BYTES: usize = 8000;

/// sentencepiece's spelling of a byte piece: `<0x%02X>`, upper-case hex.
pub(crate) fn byte_piece(b: u8) -> String {
    format!("<0x{b:02X}>")
}

/// The byte a piece names, if it is spelled exactly as [`byte_piece`] spells it.
fn piece_byte(piece: &str) -> Option<u8> {
    let hex = piece.strip_prefix("<0x")?.strip_suffix('>')?;
    if hex.len() != 2
        || !hex
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
    {
        return None;
    }
    u8::from_str_radix(hex, 16).ok()
}

/// FxHash (rustc's hasher): piece lookups are on the hot path of BPE, one per candidate
/// merge, and the keys are short strings from a trusted vocabulary, so SipHash's flooding
/// resistance buys nothing here.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[derive(Debug, Clone)]
pub(crate) struct Vocab {
    pub(crate) pieces: Vec<PieceProto>,
    /// Pieces segmentation may produce (normal, user-defined, unused): sentencepiece's
    /// `pieces_` as the unigram, char and word models fill it.
    normal: FastMap<String, u32>,
    /// Unknown, control and byte pieces (sentencepiece's `reserved_id_map_`), looked up first
    /// by [`Vocab::piece_to_id`] but never matched against text.
    reserved: FastMap<String, u32>,
    /// The `<unk>` piece, or [`NO_UNK`].
    pub(crate) unk_id: u32,
    /// User-defined symbols, matched longest first in the raw and the normalised text.
    pub(crate) user_defined: Option<Trie>,
}

impl Vocab {
    /// `one_namespace`: BPE models keep all pieces in one map, so there a piece string may not
    /// occur twice whatever the types; the other models allow e.g. a normal and a control
    /// piece with the same text.
    pub(crate) fn new(
        mut pieces: Vec<PieceProto>,
        byte_fallback: bool,
        one_namespace: bool,
    ) -> Result<Vocab> {
        if pieces.len() >= NO_UNK as usize {
            return Err(Error::Model("too many pieces".into()));
        }
        if byte_fallback {
            // sentencepiece works around conversion scripts that add a raw "\0" piece next
            // to <0x00>: with byte fallback such a piece is treated as unused.
            for p in pieces.iter_mut().filter(|p| p.piece == "\0") {
                p.kind = PieceType::Unused;
            }
        }
        if let Some(p) = pieces.iter().find(|p| p.piece.len() >= MAX_PIECE_BYTES) {
            return Err(Error::Model(format!(
                "a piece of {} bytes is too long",
                p.piece.len()
            )));
        }
        let mut normal = FastMap::default();
        let mut reserved = FastMap::default();
        let mut all: HashMap<&str, u32> = HashMap::new();
        let mut unk_id = None;
        let mut bytes_found = [false; 256];
        let mut user_defined = Vec::new();
        for (id, p) in pieces.iter().enumerate() {
            let id = id as u32;
            if p.piece.is_empty() {
                return Err(Error::Model(format!("piece {id} is empty")));
            }
            if p.piece == "\0" && p.kind == PieceType::Unused {
                continue;
            }
            if p.piece.contains('\0') {
                return Err(Error::Model(format!("piece {id} contains a NUL character")));
            }
            let is_normal = matches!(
                p.kind,
                PieceType::Normal | PieceType::UserDefined | PieceType::Unused
            );
            let fresh = if one_namespace {
                all.insert(&p.piece, id).is_none()
            } else if is_normal {
                !normal.contains_key(&p.piece)
            } else {
                !reserved.contains_key(&p.piece)
            };
            if !fresh {
                return Err(Error::Model(format!(
                    "piece {:?} is defined twice",
                    p.piece
                )));
            }
            if is_normal {
                normal.insert(p.piece.clone(), id);
            } else {
                reserved.insert(p.piece.clone(), id);
            }
            match p.kind {
                PieceType::UserDefined => user_defined.push((p.piece.as_str(), id)),
                PieceType::Unknown if unk_id.is_some() => {
                    return Err(Error::Model("more than one unknown piece".into()))
                }
                PieceType::Unknown => unk_id = Some(id),
                PieceType::Byte => {
                    if !byte_fallback {
                        return Err(Error::Model(format!(
                            "byte piece {:?} although byte_fallback is off",
                            p.piece
                        )));
                    }
                    match piece_byte(&p.piece) {
                        Some(b) => bytes_found[usize::from(b)] = true,
                        None => {
                            return Err(Error::Model(format!("invalid byte piece {:?}", p.piece)))
                        }
                    }
                }
                _ => {}
            }
        }
        if unk_id.is_none() && !byte_fallback {
            return Err(Error::Model("no unknown piece (<unk>)".into()));
        }
        if byte_fallback && bytes_found.contains(&false) {
            return Err(Error::Model(
                "byte_fallback is on but the 256 byte pieces are not all there".into(),
            ));
        }
        let user_defined = (!user_defined.is_empty()).then(|| Trie::new(user_defined));
        Ok(Vocab {
            unk_id: unk_id.unwrap_or(NO_UNK),
            pieces,
            normal,
            reserved,
            user_defined,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.pieces.len()
    }

    /// The type of a piece; [`NO_UNK`] counts as unknown.
    pub(crate) fn kind(&self, id: u32) -> PieceType {
        self.pieces
            .get(id as usize)
            .map_or(PieceType::Unknown, |p| p.kind)
    }

    pub(crate) fn score(&self, id: u32) -> f32 {
        self.pieces[id as usize].score
    }

    /// Reserved pieces first, then the vocabulary, else the unknown id
    /// (`ModelInterface::PieceToId`).
    pub(crate) fn piece_to_id(&self, piece: &str) -> u32 {
        self.reserved
            .get(piece)
            .or_else(|| self.normal.get(piece))
            .copied()
            .unwrap_or(self.unk_id)
    }

    /// The id of a normal, user-defined or unused piece: the pieces that text can match.
    pub(crate) fn normal_id(&self, piece: &str) -> Option<u32> {
        self.normal.get(piece).copied()
    }

    /// The id a piece of text gets in the CHAR and WORD models: its own if it is a normal or
    /// user-defined piece, else the unknown id.
    pub(crate) fn emitted_id(&self, piece: &str) -> u32 {
        match self.normal_id(piece) {
            Some(id) if self.kind(id) != PieceType::Unused => id,
            _ => self.unk_id,
        }
    }

    /// The vocabulary proper, for building search tries.
    pub(crate) fn normal_pieces(&self) -> impl Iterator<Item = (&str, u32)> {
        self.normal.iter().map(|(p, &id)| (p.as_str(), id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_piece_spelling() {
        assert_eq!(byte_piece(0x0a), "<0x0A>");
        assert_eq!(piece_byte("<0xE3>"), Some(0xe3));
        assert_eq!(piece_byte("<0xe3>"), None);
        assert_eq!(piece_byte("<0x+3>"), None);
        assert_eq!(piece_byte("<0x123>"), None);
    }
}
