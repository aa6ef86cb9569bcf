//! Typed stage configs share one habit: each setting's default is written once, in its clap
//! `#[arg]` attribute, and `Default` (which serde uses for keys a TOML section leaves out) is
//! what the command line would give with no flags.

/// The value of a clap `Args` struct when no flag is given.
///
/// Panics if a field has no default: every stage config's field must have one (or be an
/// `Option`), which its unit test checks by calling this.
pub fn clap_defaults<T: clap::Args + clap::FromArgMatches>() -> T {
    let cmd = T::augment_args(clap::Command::new("defaults"));
    let matches = cmd
        .try_get_matches_from(["defaults"])
        .expect("every setting of a stage config has a default");
    T::from_arg_matches(&matches).expect("the defaults parse")
}
