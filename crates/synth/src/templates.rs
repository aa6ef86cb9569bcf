//! The teacher prompts, one minijinja template per step, editable by users.
//!
//! Defaults are `templates/synth/<name>.j2` in the repository, compiled into the binary; with
//! `--templates DIR`, a `DIR/<name>.j2` replaces the default of the same name (the others stay).
//! Every template's sha256 goes into the manifest, so a data set records the exact prompts
//! behind it. Templates see `language` (English name) and the step's own variables:
//!
//! | template | step | variables |
//! |---|---|---|
//! | `generate` | PolyglotTeachers generate | `examples` (each with `prompt`, `response`, `json`), `category` |
//! | `respond_system` | system message of every response | — |
//! | `translate` | PolyglotTeachers translate | `text` |
//! | `topic_macro`, `topic_topics`, `topic_prompts` | Kakugo topic | `seed`, `macro`, `topic`, `n` |
//! | `scenario_broad`, `scenario_detailed`, `scenario_prompts` | Kakugo scenario | `broad`, `scenario`, `n` |
//! | `context` | Kakugo context | `text`, `task`, `n` |
//! | `improve` | Kakugo improvement pass | `prompt` |

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::Environment;
use serde::Serialize;

use kakugo_core::store::hash::sha256_bytes;
use kakugo_core::{Error, Result};

/// (name, default source) of every template.
pub const DEFAULTS: [(&str, &str); 11] = [
    (
        "generate",
        include_str!("../../../templates/synth/generate.j2"),
    ),
    (
        "respond_system",
        include_str!("../../../templates/synth/respond_system.j2"),
    ),
    (
        "translate",
        include_str!("../../../templates/synth/translate.j2"),
    ),
    (
        "topic_macro",
        include_str!("../../../templates/synth/topic_macro.j2"),
    ),
    (
        "topic_topics",
        include_str!("../../../templates/synth/topic_topics.j2"),
    ),
    (
        "topic_prompts",
        include_str!("../../../templates/synth/topic_prompts.j2"),
    ),
    (
        "scenario_broad",
        include_str!("../../../templates/synth/scenario_broad.j2"),
    ),
    (
        "scenario_detailed",
        include_str!("../../../templates/synth/scenario_detailed.j2"),
    ),
    (
        "scenario_prompts",
        include_str!("../../../templates/synth/scenario_prompts.j2"),
    ),
    (
        "context",
        include_str!("../../../templates/synth/context.j2"),
    ),
    (
        "improve",
        include_str!("../../../templates/synth/improve.j2"),
    ),
];

pub struct Templates {
    env: Environment<'static>,
    /// name → (origin: `default` or the file, sha256).
    origins: BTreeMap<String, (String, String)>,
}

impl Templates {
    /// The defaults, each replaced by `dir/<name>.j2` when that file exists.
    pub fn load(dir: Option<&Path>) -> Result<Templates> {
        if let Some(d) = dir {
            if !d.is_dir() {
                return Err(Error::usage(format!(
                    "--templates {}: not a directory",
                    d.display()
                )));
            }
            for entry in std::fs::read_dir(d).map_err(|e| Error::io(d, e))? {
                let name = entry.map_err(|e| Error::io(d, e))?.file_name();
                let name = name.to_string_lossy();
                if let Some(stem) = name.strip_suffix(".j2") {
                    if !DEFAULTS.iter().any(|(n, _)| *n == stem) {
                        return Err(Error::usage_hint(
                            format!(
                                "{}: unknown synthesis template `{stem}`",
                                d.join(&*name).display()
                            ),
                            format!(
                                "the templates are: {}",
                                DEFAULTS.iter().map(|d| d.0).collect::<Vec<_>>().join(", ")
                            ),
                        ));
                    }
                }
            }
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let mut origins = BTreeMap::new();
        for (name, default) in DEFAULTS {
            let (source, origin) = match dir.map(|d| d.join(format!("{name}.j2"))) {
                Some(p) if p.exists() => (
                    std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?,
                    p.display().to_string(),
                ),
                _ => (default.to_string(), "default".to_string()),
            };
            let sha = sha256_bytes(source.as_bytes());
            env.add_template_owned(name.to_string(), source)
                .map_err(|e| Error::file(&origin, format!("template `{name}`: {e}")))?;
            origins.insert(name.to_string(), (origin, sha));
        }
        Ok(Templates { env, origins })
    }

    /// Renders template `name` with `ctx`; output is trimmed.
    pub fn render<S: Serialize>(&self, name: &str, ctx: S) -> Result<String> {
        let origin = self
            .origins
            .get(name)
            .map(|o| o.0.clone())
            .unwrap_or_else(|| name.to_string());
        let t = self
            .env
            .get_template(name)
            .map_err(|e| Error::file(&origin, format!("template `{name}`: {e}")))?;
        let text = t
            .render(ctx)
            .map_err(|e| Error::file(&origin, format!("rendering template `{name}`: {e}")))?;
        Ok(text.trim().to_string())
    }

    /// name → {origin, sha256}, for the manifest.
    pub fn manifest(&self) -> BTreeMap<String, serde_json::Value> {
        self.origins
            .iter()
            .map(|(n, (o, s))| (n.clone(), serde_json::json!({"origin": o, "sha256": s})))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    #[test]
    fn defaults_render_and_a_directory_overrides_one() {
        let t = Templates::load(None).unwrap();
        let s = t
            .render(
                "topic_prompts",
                context!(language => "Kazakh", topic => "dombra", macro => "music", n => 3),
            )
            .unwrap();
        assert!(
            s.contains("Kazakh")
                && s.contains("\"dombra\"")
                && s.contains("numbered list of 3 items"),
            "{s}"
        );
        // A variable the template needs but the step does not give is an error, not "".
        assert!(t
            .render("topic_prompts", context!(language => "Kazakh"))
            .is_err());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("improve.j2"), "Harder: {{ prompt }}").unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        assert_eq!(
            t.render("improve", context!(prompt => "x", language => "k"))
                .unwrap(),
            "Harder: x"
        );
        assert_eq!(t.manifest()["translate"]["origin"], "default");
        std::fs::write(dir.path().join("improv.j2"), "typo").unwrap();
        let err = Templates::load(Some(dir.path())).err().unwrap().to_string();
        assert!(
            err.contains("improv.j2") && err.contains("hint: the templates are"),
            "{err}"
        );
    }
}
