//! A pure-Rust SentencePiece encoder: reads a `.model` file written by the `sentencepiece`
//! library and segments text exactly as `sp.encode(text, out_type=str)` does (sentencepiece
//! 0.2.3; [`Compat::Legacy`] for 0.1.98–0.2.1, whose unigram tie-breaking differs).
//!
//! It exists for spBLEU: the FLORES papers score translations with sacrebleu's BLEU under
//! `tokenize="flores200"` (or `"flores101"`), which segments each line with a SentencePiece
//! model and joins the pieces with spaces before counting n-grams. [`SentencePiece::tokenize`]
//! is that tokenizer; sacrebleu applies it to each segment after Python's `str.rstrip()`.
//!
//! Supported: unigram and BPE models (also the simple CHAR and WORD types), the precompiled
//! normalisation charsmap (`nmt_nfkc`, `nfkc`, `nfkc_cf`, ... or none), `add_dummy_prefix`,
//! `remove_extra_whitespaces`, `escape_whitespaces`, `treat_whitespace_as_suffix`,
//! user-defined symbols, unknown pieces and byte fallback, and the load-time checks of the
//! library. Not supported: decoding, sampling and n-best encoding, which spBLEU does not use.
//!
//! ```
//! use kakugo_sentencepiece::SentencePiece;
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/unigram_nfkc.model");
//! let sp = SentencePiece::from_file(path)?;
//! // NFKC turns the fullwidth letters into ASCII; spaces become "▁".
//! let pieces = sp.encode_pieces("Ｈｅｌｌｏ  world");
//! assert_eq!(pieces.concat(), "▁Hello▁world");
//! assert_eq!(sp.encode_ids("Ｈｅｌｌｏ  world").len(), pieces.len());
//! // sacrebleu's flores200 tokenization of a line.
//! assert_eq!(sp.tokenize("Hello world"), pieces.join(" "));
//! # Ok::<(), kakugo_sentencepiece::Error>(())
//! ```
//!
//! Modules: [`proto`] reads the protobuf file; `vocab` holds the pieces and the library's
//! consistency checks; [`normalizer`] (with `darts`, the charsmap's double-array trie) turns
//! raw text into the string that is segmented; `unigram`, `bpe` and `simple` (CHAR, WORD)
//! segment it, searching pieces in a `trie`; [`SentencePiece`] (in `model`) ties them
//! together with the handling of unknown pieces; `compat` names the library versions.

mod bpe;
mod compat;
mod darts;
mod error;
mod model;
pub mod normalizer;
pub mod proto;
mod simple;
mod trie;
mod unigram;
mod vocab;

pub use compat::Compat;
pub use error::{Error, Result};
pub use model::{Piece, SentencePiece};
pub use normalizer::{Normalizer, SPACE_SYMBOL};
pub use proto::{ModelType, PieceType};
