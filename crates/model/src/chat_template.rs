//! Chat templates: the model's own Jinja template rendered with minijinja.
//!
//! The template comes from the GGUF (`tokenizer.chat_template`) or `tokenizer_config.json`
//! (`chat_template`). Models without one get kakugo's built-in ChatML template
//! (`<|im_start|>role\ncontent<|im_end|>\n`, then `<|im_start|>assistant\n`), which is what
//! SmolLM2 and Qwen use; the choice is recorded in the model's description.

use minijinja::{context, Environment, Error as JinjaError, ErrorKind};

use super::Message;
use kakugo_core::{Error, Result};

/// kakugo's fallback: ChatML.
pub const CHATML: &str = "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

#[derive(Debug, Clone)]
pub struct ChatTemplate {
    source: String,
    bos_token: String,
    eos_token: String,
    /// Whether this is the model's own template (false: the built-in ChatML).
    pub is_models_own: bool,
}

impl ChatTemplate {
    pub fn new(source: Option<String>, bos_token: String, eos_token: String) -> ChatTemplate {
        let is_models_own = source.is_some();
        ChatTemplate {
            source: source.unwrap_or_else(|| CHATML.to_string()),
            bos_token,
            eos_token,
            is_models_own,
        }
    }

    /// The template text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders the conversation, ending with the assistant's generation prompt when asked.
    pub fn render(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String> {
        let mut env = Environment::new();
        minijinja_contrib::add_to_environment(&mut env);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> std::result::Result<String, JinjaError> {
                Err(JinjaError::new(ErrorKind::InvalidOperation, msg))
            },
        );
        env.add_template("chat", &self.source)
            .map_err(|e| Error::model(format!("chat template does not parse: {e}")))?;
        let tmpl = env.get_template("chat").expect("just added");
        let messages: Vec<_> = messages
            .iter()
            .map(|m| context! { role => m.role.clone(), content => m.content.clone() })
            .collect();
        tmpl.render(context! {
            messages => messages,
            add_generation_prompt => add_generation_prompt,
            bos_token => self.bos_token.clone(),
            eos_token => self.eos_token.clone(),
        })
        .map_err(|e| Error::model(format!("rendering the chat template: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_fallback_renders_generation_prompt() {
        let t = ChatTemplate::new(None, String::new(), String::new());
        let out = t.render(&[Message::new("user", "Сәлем!")], true).unwrap();
        assert_eq!(
            out,
            "<|im_start|>user\nСәлем!<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn raise_exception_surfaces_as_error() {
        let t = ChatTemplate::new(
            Some("{{ raise_exception('roles must alternate') }}".into()),
            String::new(),
            String::new(),
        );
        let err = t.render(&[], true).unwrap_err().to_string();
        assert!(err.contains("roles must alternate"), "{err}");
    }
}
