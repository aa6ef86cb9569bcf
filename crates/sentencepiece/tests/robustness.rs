//! No panics on any input, clear errors for broken model files, and lossless segmentation:
//! the pieces of a text always spell its normalised form.

use std::path::PathBuf;

use kakugo_sentencepiece::proto::{ModelProto, PieceProto};
use kakugo_sentencepiece::{Error, PieceType, SentencePiece};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

const MODELS: &[&str] = &[
    "unigram_nfkc.model",
    "unigram_bytes.model",
    "unigram_nfkc_cf_suffix.model",
    "bpe_nfkc.model",
    "bpe_bytes_identity.model",
    "char_identity.model",
    "word_identity.model",
];

/// xorshift64*: a dependency-free, reproducible source of random inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A random string that leans towards characters normalisation cares about.
    fn text(&mut self, max_len: u64) -> String {
        const SPECIAL: &[char] = &[
            ' ', ' ', ' ', '\t', '\n', '\r', '\u{a0}', '\u{3000}', '\u{2581}', '\u{200b}',
            '\u{200d}', '\u{feff}', '\u{ad}', '\0', '\u{1}', '\u{7f}', '\u{85}', '\u{2028}',
            '\u{301}', '\u{308}', '\u{fb01}', '\u{ff21}', '\u{ff76}', '\u{ff9e}', '\u{2460}',
            '\u{338f}', '\u{fdfa}', '\u{1100}', '\u{1161}', '\u{11a8}', '\u{3131}', '\u{fffd}',
            '<', '>', '@', '0', '0', '1', '.', 'a', 'e', 'Z',
        ];
        const RANGES: &[(u32, u32)] = &[
            (0x20, 0x7f),
            (0xa0, 0x250),
            (0x300, 0x370),
            (0x400, 0x460),
            (0x600, 0x700),
            (0x900, 0x980),
            (0x1200, 0x1380),
            (0x3040, 0x3100),
            (0x4e00, 0x4f00),
            (0xac00, 0xac80),
            (0xe00, 0xe60),
            (0x7c0, 0x800),
            (0xff00, 0xfff0),
            (0x1f300, 0x1f700),
            (0, 0x11_0000),
        ];
        let len = self.below(max_len + 1);
        (0..len)
            .map(|_| {
                if self.below(3) == 0 {
                    SPECIAL[self.below(SPECIAL.len() as u64) as usize]
                } else {
                    let (lo, hi) = RANGES[self.below(RANGES.len() as u64) as usize];
                    let c = lo + self.below(u64::from(hi - lo)) as u32;
                    char::from_u32(c).unwrap_or('\u{fffd}')
                }
            })
            .collect()
    }
}

/// The bytes the pieces stand for: piece texts, with `<0xXX>` byte pieces as their byte.
fn spell(sp: &SentencePiece, text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for p in sp.encode(text) {
        if sp.piece_type(p.id) == Some(PieceType::Byte) {
            let hex = &p.piece[3..5];
            out.push(u8::from_str_radix(hex, 16).unwrap());
        } else {
            out.extend_from_slice(p.piece.as_bytes());
        }
    }
    out
}

#[test]
fn random_text_never_panics_and_pieces_spell_the_normalised_text() {
    let models: Vec<SentencePiece> = MODELS
        .iter()
        .map(|m| SentencePiece::from_file(fixture(m)).unwrap())
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let text = rng.text(if round % 100 == 0 { 2000 } else { 40 });
        for (name, sp) in MODELS.iter().zip(&models) {
            let normalized = sp.normalize(&text);
            assert_eq!(spell(sp, &text), normalized.as_bytes(), "{name}: {text:?}");
            assert_eq!(sp.encode_ids(&text).len(), sp.encode_pieces(&text).len());
        }
    }
}

#[test]
fn byte_fallback_models_decode_back_to_the_text() {
    // Without unknown pieces, decoding (join, bytes, "▁" -> " ", drop the dummy prefix)
    // gives back the normalised text; with identity normalisation, the input itself.
    let nfkc = SentencePiece::from_file(fixture("unigram_bytes.model")).unwrap();
    let identity = SentencePiece::from_file(fixture("bpe_bytes_identity.model")).unwrap();
    let decode = |sp: &SentencePiece, text: &str| {
        let s = String::from_utf8(spell(sp, text))
            .unwrap()
            .replace('▁', " ");
        if sp.normalizer().adds_dummy_prefix() {
            s.strip_prefix(' ').map(str::to_string).unwrap_or(s)
        } else {
            s
        }
    };
    let mut rng = Rng(42);
    for _ in 0..3000 {
        let text = rng.text(60);
        for p in nfkc.encode(&text).iter().chain(&identity.encode(&text)) {
            assert_ne!(
                p.id, 0,
                "an unknown piece in a byte-fallback model: {text:?}"
            );
        }
        let want = nfkc.normalize(&text).replace('▁', " ");
        let want = want.strip_prefix(' ').unwrap_or(&want);
        assert_eq!(decode(&nfkc, &text), want, "{text:?}");
        assert_eq!(decode(&identity, &text), text.replace('▁', " "), "{text:?}");
    }
    // NFKC at work: fullwidth letters, a ligature, a circled digit.
    assert_eq!(decode(&nfkc, "Ｈｅｌｌｏ ﬁne ①"), "Hello fine 1");
}

#[test]
fn truncated_and_corrupted_files_fail_cleanly() {
    let bytes = std::fs::read(fixture("unigram_nfkc.model")).unwrap();
    let mut errors = 0;
    let cuts: Vec<usize> = (0..bytes.len()).step_by(997).chain([1, 2, 3, 5]).collect();
    for &cut in &cuts {
        match SentencePiece::from_bytes(&bytes[..cut]) {
            Ok(sp) => {
                // A cut between two fields is a shorter, valid protobuf; it must still work.
                sp.encode("Hello world");
            }
            Err(e) => {
                errors += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    assert!(
        errors * 10 > cuts.len() * 9,
        "{errors} of {} cuts rejected",
        cuts.len()
    );
    // The trainer and normaliser specs come last: cutting inside them is a truncation error.
    let e = SentencePiece::from_bytes(&bytes[..bytes.len() - 3]).unwrap_err();
    assert!(matches!(e, Error::Proto { .. }), "{e}");
    assert!(e.to_string().contains("truncated"), "{e}");

    // Flipped bytes: loading may fail or succeed, encoding must not panic.
    let mut rng = Rng(7);
    for _ in 0..300 {
        let mut b = bytes.clone();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(b.len() as u64) as usize;
            b[i] ^= 1 << rng.below(8);
        }
        if let Ok(sp) = SentencePiece::from_bytes(&b) {
            sp.encode("Ｈｅｌｌｏ, мир! नमस्ते 你好 ߒߞߏ");
        }
    }

    assert!(matches!(
        SentencePiece::from_bytes(b""),
        Err(Error::Model(_))
    ));
    assert!(matches!(
        SentencePiece::from_bytes(b"this is not a model file\n"),
        Err(Error::Proto { .. })
    ));
    let e = SentencePiece::from_file(fixture("no-such.model")).unwrap_err();
    assert!(
        matches!(e, Error::Io { .. }) && e.to_string().contains("no-such.model"),
        "{e}"
    );
}

#[test]
fn inconsistent_models_are_rejected() {
    let proto = ModelProto::parse(&std::fs::read(fixture("unigram_nfkc.model")).unwrap()).unwrap();
    let reject = |p: ModelProto, what: &str| {
        let e = SentencePiece::from_proto(p).unwrap_err();
        assert!(e.to_string().contains(what), "{e} (wanted {what:?})");
    };

    let mut p = proto.clone();
    p.pieces.retain(|x| x.kind != PieceType::Unknown);
    reject(p, "no unknown piece");

    let mut p = proto.clone();
    let dup = p.pieces[10].clone();
    p.pieces.push(dup);
    reject(p, "defined twice");

    let mut p = proto.clone();
    p.pieces[5].piece.clear();
    reject(p, "empty");

    let mut p = proto.clone();
    p.pieces[7].score = f32::NAN;
    reject(p, "score");

    let mut p = proto.clone();
    p.trainer_spec.byte_fallback = true;
    reject(p, "256 byte pieces");

    let mut p = proto.clone();
    p.pieces.push(PieceProto {
        piece: "<0x41>".into(),
        score: 0.0,
        kind: PieceType::Byte,
    });
    reject(p, "byte_fallback is off");

    let mut p = proto.clone();
    let n = p.normalizer_spec.precompiled_charsmap.len();
    p.normalizer_spec.precompiled_charsmap.truncate(n / 2);
    reject(p, "charsmap");

    let mut p = proto.clone();
    let m = p.normalizer_spec.precompiled_charsmap.len();
    p.normalizer_spec.precompiled_charsmap[m - 1] = b'x';
    reject(p, "NUL-terminated");

    let mut p = proto.clone();
    p.normalizer_spec.precompiled_charsmap[4..8].copy_from_slice(&[0xff; 4]);
    reject(p, "trie is invalid");

    let mut p = proto;
    p.pieces.truncate(0);
    reject(p, "no pieces");
}

#[test]
fn edge_inputs() {
    for m in MODELS {
        let sp = SentencePiece::from_file(fixture(m)).unwrap();
        assert!(sp.encode("").is_empty(), "{m}");
        let big = "ab\u{301}c ".repeat(50_000);
        assert!(!sp.encode(&big).is_empty());
        let marks = "\u{301}".repeat(10_000);
        assert_eq!(spell(&sp, &marks), sp.normalize(&marks).as_bytes(), "{m}");
    }
}

#[test]
fn vocabulary_accessors() {
    let sp = SentencePiece::from_file(fixture("unigram_bytes.model")).unwrap();
    assert_eq!(sp.unk_id(), Some(0));
    assert_eq!(sp.id_to_piece(0), Some("<unk>"));
    assert_eq!(
        sp.piece_to_id("<0x41>").and_then(|id| sp.id_to_piece(id)),
        Some("<0x41>")
    );
    assert_eq!(sp.piece_to_id("no such piece, surely"), None);
    assert_eq!(sp.piece_type(0), Some(PieceType::Unknown));
    assert!(sp.byte_fallback());
    assert_eq!(sp.model_type(), kakugo_sentencepiece::ModelType::Unigram);
    let mask = sp.piece_to_id("<mask>").unwrap();
    assert_eq!(sp.piece_type(mask), Some(PieceType::UserDefined));
    assert_eq!(
        sp.encode_ids("a<mask>b")
            .iter()
            .filter(|&&i| i == mask)
            .count(),
        1
    );
}
