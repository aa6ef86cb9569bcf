//! Running a strategy: seeds → teacher steps → prompt candidates → improvement pass →
//! responses → checked records appended to the output file.
//!
//! Every teacher answer is checked before it is used; an answer that fails is kept out and its
//! reason counted under `step/reason` (for example `response/wrong_language`,
//! `topic_prompts/malformed_json`):
//!
//! | reason | when |
//! |---|---|
//! | `empty` | nothing left after trimming (and after splitting off reasoning) |
//! | `truncated` | the teacher stopped at the token limit (`finish = length`) |
//! | `refusal` | the answer opens like a refusal ("I'm sorry", "I cannot", "As an AI", ...) |
//! | `wrong_language` | the language identifier places a text of ≥ 20 characters in another language |
//! | `malformed_json` | no JSON object / list could be read from a structured answer |
//! | `duplicate` | the same prompt was already drawn in this run (or listed twice in one answer) |
//! | `copied_example` | `generate` returned one of the seed examples it was shown |
//!
//! A failed rewrite in the improvement pass keeps the original prompt (counted under
//! `improve/...`). Each request's sampling seed is derived from the run seed, the step and the
//! item's key, so an item's answer does not depend on what else is asked or in which order.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use minijinja::context;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::lid::LanguageId;
use super::parse::{extract_list, extract_objects, split_reasoning};
use super::record::{SftFile, SftRecord};
use super::strategy::{
    round_robin, Settings, Strategy, CATEGORIES, CONTEXT_TASKS, GENERAL_SEEDS, LANGUAGE_SEEDS,
};
use super::teacher::Teacher;
use super::templates::Templates;
use kakugo_core::lang::Language;
use kakugo_core::store::hash::sha256_bytes;
use kakugo_core::{Error, Result};
use kakugo_data::{sib200, DataSource, LoadedFiles, Split};
use kakugo_model::{FinishReason, GenerateRequest, Generation, Message, Prompt, Sampling};

/// Context texts are cut to their first 4,000 characters (Kakugo: first 1,000 tokens).
const CONTEXT_CHARS: usize = 4000;
/// Texts shorter than this are not language-checked: too little evidence.
const MIN_LID_CHARS: usize = 20;
/// Candidates answered between two appends to the output file.
const RESPONSE_CHUNK: usize = 16;

const REFUSALS: [&str; 10] = [
    "i'm sorry",
    "i am sorry",
    "sorry, but",
    "i cannot",
    "i can't",
    "i can not",
    "as an ai",
    "i'm unable",
    "i am unable",
    "i won't",
];

/// What to synthesise.
pub struct Job<'a> {
    pub strategy: Strategy,
    pub language: &'static Language,
    pub settings: Settings,
    /// `respond`, `translate`: JSONL with `prompt` (and optional `id`); `generate`: JSONL with
    /// `prompt` and `response`; `context`: JSONL with `text` (default: SIB-200 train sentences).
    pub input: Option<PathBuf>,
    /// Data root (for the default context texts).
    pub data_root: PathBuf,
    pub templates: &'a Templates,
    pub lid: Option<&'a LanguageId>,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Prompt candidates drawn.
    pub candidates: usize,
    /// Records written by this run.
    pub written: usize,
    /// Accepted records that the file already held (a resumed run).
    pub already_present: usize,
    /// Items kept out, by `step/reason`.
    pub rejected: BTreeMap<String, usize>,
    /// Prompts rewritten by the improvement pass.
    pub improved: usize,
    /// `n` minus what the file holds from this job, when the candidates ran out.
    pub shortfall: usize,
}

#[derive(Debug, Clone)]
struct Candidate {
    /// The instruction (for `context`, without the text).
    prompt: String,
    /// The text a `context` instruction is about; appended to the prompt.
    context: Option<String>,
    response: Option<String>,
    reasoning: Option<String>,
    source: String,
    source_id: String,
    synth_prompt: String,
    source_text: Option<String>,
}

impl Candidate {
    fn new(prompt: String, source: &str, source_id: String, synth_prompt: String) -> Self {
        Candidate {
            prompt,
            context: None,
            response: None,
            reasoning: None,
            source: source.into(),
            source_id,
            synth_prompt,
            source_text: None,
        }
    }

    fn full_prompt(&self) -> String {
        match &self.context {
            Some(c) => format!("{}\n\n{c}", self.prompt),
            None => self.prompt.clone(),
        }
    }
}

struct Run<'a, 'b> {
    job: &'b Job<'a>,
    teacher: &'b mut Teacher,
    summary: Summary,
}

/// Runs `job` with `teacher`, appending accepted records to `out`.
pub fn run(job: &Job<'_>, teacher: &mut Teacher, out: &mut SftFile) -> Result<Summary> {
    if job.strategy.needs_input() && job.input.is_none() {
        return Err(Error::usage_hint(
            format!("strategy `{}` needs --input", job.strategy.name()),
            match job.strategy {
                Strategy::Generate => {
                    "a JSONL file of seed examples: {\"prompt\": ..., \"response\": ...}"
                }
                Strategy::Translate => "a JSONL file of English prompts: {\"prompt\": ...}",
                _ => "a JSONL file of target-language prompts: {\"prompt\": ...}",
            },
        ));
    }
    let mut run = Run {
        job,
        teacher,
        summary: Summary::default(),
    };
    let mut candidates = match job.strategy {
        Strategy::Topic => run.topic()?,
        Strategy::Scenario => run.scenario()?,
        Strategy::Context => run.context()?,
        Strategy::Respond => run.respond_inputs()?,
        Strategy::Translate => run.translate()?,
        Strategy::Generate => run.generate()?,
    };
    // Duplicate prompts are dropped before anything is spent on them.
    let mut seen = HashSet::new();
    candidates.retain(|c| {
        let fresh = seen.insert(c.full_prompt());
        if !fresh {
            run.reject("prompt", "duplicate");
        }
        fresh
    });
    run.summary.candidates = candidates.len();
    run.improve(&mut candidates)?;
    run.respond_and_write(candidates, out)?;
    Ok(run.summary)
}

impl Run<'_, '_> {
    fn s(&self) -> &Settings {
        &self.job.settings
    }

    fn reject(&mut self, step: &str, reason: &str) {
        *self
            .summary
            .rejected
            .entry(format!("{step}/{reason}"))
            .or_default() += 1;
    }

    fn language(&self) -> &'static str {
        self.job.language.name
    }

    /// A request's sampling: its seed from (run seed, step, key).
    fn sampling(&self, step: &str, key: &str) -> Sampling {
        if self.s().temperature <= 0.0 {
            return Sampling::Greedy;
        }
        let h = sha256_bytes(format!("{}\n{step}\n{key}", self.s().seed).as_bytes());
        Sampling::Seeded {
            temperature: self.s().temperature,
            top_p: self.s().top_p,
            seed: u64::from_str_radix(&h[..16], 16).expect("hex"),
        }
    }

    fn request(
        &self,
        step: &str,
        key: &str,
        messages: Vec<Message>,
        max: usize,
    ) -> GenerateRequest {
        GenerateRequest {
            prompt: Prompt::Chat(messages),
            stop: vec![],
            max_new_tokens: max,
            sampling: self.sampling(step, key),
        }
    }

    fn rng(&self, step: &str) -> ChaCha8Rng {
        let h = sha256_bytes(format!("{}\n{step}", self.s().seed).as_bytes());
        ChaCha8Rng::seed_from_u64(u64::from_str_radix(&h[..16], 16).expect("hex"))
    }

    /// Why a target-language text is unusable, if it is.
    fn check(&self, text: &str, generation: Option<&Generation>) -> Option<&'static str> {
        if text.trim().is_empty() {
            return Some("empty");
        }
        if !self.s().keep_truncated && generation.is_some_and(|g| g.finish == FinishReason::Length)
        {
            return Some("truncated");
        }
        let head: String = text
            .trim_start()
            .chars()
            .take(80)
            .collect::<String>()
            .to_lowercase();
        if REFUSALS.iter().any(|r| head.starts_with(r)) {
            return Some("refusal");
        }
        if self.s().check_language && text.chars().count() >= MIN_LID_CHARS {
            if let Some(lid) = self.job.lid.filter(|l| l.knows(self.job.language.code)) {
                if lid.identify(text).language != self.job.language.code {
                    return Some("wrong_language");
                }
            }
        }
        None
    }

    /// Asks one planning step per parent and parses a list from each answer (up to `n`).
    fn expand(
        &mut self,
        step: &str,
        parents: &[(String, minijinja::Value)],
        n: usize,
        target_language: bool,
    ) -> Result<Vec<(String, Vec<String>)>> {
        let mut rendered = Vec::new();
        let mut requests = Vec::new();
        for (key, ctx) in parents {
            let text = self.job.templates.render(step, ctx)?;
            requests.push(self.request(
                step,
                key,
                vec![Message::new("user", text.clone())],
                self.s().list_max_tokens,
            ));
            rendered.push(text);
        }
        let answers = self.teacher.ask(step, &requests)?;
        let mut out = Vec::new();
        for (synth_prompt, g) in rendered.into_iter().zip(answers) {
            let (_, answer) = split_reasoning(&g.text);
            let items = match extract_list(&answer) {
                // A list cut at the token limit still has usable complete items, except the
                // last one, which may be cut.
                Ok(mut items) => {
                    if g.finish == FinishReason::Length && items.len() > 1 {
                        items.pop();
                    }
                    items
                }
                Err(_) => {
                    self.reject(step, "malformed_json");
                    Vec::new()
                }
            };
            let mut kept: Vec<String> = Vec::new();
            for item in items.into_iter().take(n) {
                // Small teachers repeat list items; a repeat would only become a duplicate later.
                if kept.contains(&item) {
                    self.reject(step, "duplicate");
                    continue;
                }
                let reason = if target_language {
                    self.check(&item, None)
                } else if item.trim().is_empty() {
                    Some("empty")
                } else {
                    None
                };
                match reason {
                    Some(r) => self.reject(step, r),
                    None => kept.push(item),
                }
            }
            out.push((synth_prompt, kept));
        }
        Ok(out)
    }

    fn topic(&mut self) -> Result<Vec<Candidate>> {
        let s = self.s().clone();
        let want = s.candidates();
        let n_topics = want.div_ceil(s.topic_prompts.max(1));
        let language = self.language();
        let mut seeds: Vec<String> = GENERAL_SEEDS
            .iter()
            .map(|t| t.to_string())
            .chain(
                LANGUAGE_SEEDS
                    .iter()
                    .map(|t| t.replace("{language}", language)),
            )
            .collect();
        seeds.shuffle(&mut self.rng("seeds"));
        seeds.truncate(n_topics.max(1));
        let parents: Vec<_> = seeds
            .iter()
            .map(|seed| {
                (
                    seed.clone(),
                    minijinja::Value::from_serialize(context!(language, seed, n => s.macro_topics)),
                )
            })
            .collect();
        let macro_lists = self.expand("topic_macro", &parents, s.macro_topics, false)?;
        let macros = round_robin(
            &macro_lists
                .iter()
                .zip(&seeds)
                .map(|((_, list), seed)| list.iter().map(|m| (seed.clone(), m.clone())).collect())
                .collect::<Vec<Vec<_>>>(),
            n_topics,
        );
        let parents: Vec<_> = macros
            .iter()
            .map(|(seed, m)| {
                (
                    format!("{seed}/{m}"),
                    minijinja::Value::from_serialize(
                        context!(language, seed, macro => m, n => s.topics),
                    ),
                )
            })
            .collect();
        let topic_lists = self.expand("topic_topics", &parents, s.topics, false)?;
        let topics = round_robin(
            &topic_lists
                .iter()
                .zip(&macros)
                .map(|((_, list), (seed, m))| {
                    list.iter()
                        .map(|t| (seed.clone(), m.clone(), t.clone()))
                        .collect()
                })
                .collect::<Vec<Vec<_>>>(),
            n_topics,
        );
        let parents: Vec<_> = topics
            .iter()
            .map(|(seed, m, t)| {
                (
                    format!("{seed}/{m}/{t}"),
                    minijinja::Value::from_serialize(
                        context!(language, macro => m, topic => t, n => s.topic_prompts),
                    ),
                )
            })
            .collect();
        let prompt_lists = self.expand("topic_prompts", &parents, s.topic_prompts, true)?;
        Ok(self.leaves(prompt_lists, &parents, want))
    }

    fn scenario(&mut self) -> Result<Vec<Candidate>> {
        let s = self.s().clone();
        let want = s.candidates();
        let n_detailed = want.div_ceil(s.scenario_prompts.max(1));
        let language = self.language();
        let broad = self.expand(
            "scenario_broad",
            &[(
                "broad".into(),
                minijinja::Value::from_serialize(context!(language, n => s.broad_scenarios)),
            )],
            s.broad_scenarios,
            false,
        )?;
        let broad: Vec<String> = broad
            .into_iter()
            .flat_map(|(_, l)| l)
            .take(n_detailed)
            .collect();
        let parents: Vec<_> = broad
            .iter()
            .map(|b| {
                (
                    b.clone(),
                    minijinja::Value::from_serialize(
                        context!(language, broad => b, n => s.detailed_scenarios),
                    ),
                )
            })
            .collect();
        let detailed_lists =
            self.expand("scenario_detailed", &parents, s.detailed_scenarios, false)?;
        let detailed = round_robin(
            &detailed_lists
                .iter()
                .zip(&broad)
                .map(|((_, l), b)| l.iter().map(|d| format!("{b}/{d}")).collect())
                .collect::<Vec<Vec<String>>>(),
            n_detailed,
        );
        let parents: Vec<_> = detailed
            .iter()
            .map(|path| {
                let scenario = path.rsplit('/').next().unwrap_or(path).to_string();
                (
                    path.clone(),
                    minijinja::Value::from_serialize(
                        context!(language, scenario, n => s.scenario_prompts),
                    ),
                )
            })
            .collect();
        let prompt_lists = self.expand("scenario_prompts", &parents, s.scenario_prompts, true)?;
        Ok(self.leaves(prompt_lists, &parents, want))
    }

    /// Prompt candidates from the last planning step, round-robin across its parents.
    fn leaves(
        &self,
        lists: Vec<(String, Vec<String>)>,
        parents: &[(String, minijinja::Value)],
        want: usize,
    ) -> Vec<Candidate> {
        let groups: Vec<Vec<Candidate>> = lists
            .into_iter()
            .zip(parents)
            .map(|((synth_prompt, prompts), (key, _))| {
                prompts
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| {
                        Candidate::new(
                            p,
                            "kakugo-synth",
                            format!("{key}#{i}"),
                            synth_prompt.clone(),
                        )
                    })
                    .collect()
            })
            .collect();
        round_robin(&groups, want)
    }

    fn context(&mut self) -> Result<Vec<Candidate>> {
        let s = self.s().clone();
        let want = s.candidates();
        let (source, mut texts) = match &self.job.input {
            Some(path) => (file_name(path), read_inputs(path, &["text"])?),
            None => {
                let mut files = LoadedFiles::default();
                let docs = sib200::load(
                    &DataSource::local(self.job.data_root.join("sib200")),
                    self.job.language,
                    Split::Train,
                    &mut files,
                )?;
                let texts = docs
                    .into_iter()
                    .map(|d| (d.id.clone(), vec![d.fields["text"].clone()]))
                    .collect();
                ("sib200".to_string(), texts)
            }
        };
        texts.shuffle(&mut self.rng("context-texts"));
        texts.truncate(want.div_ceil(s.context_prompts.max(1)).min(s.context_texts));
        let language = self.language();
        let weights: u32 = CONTEXT_TASKS.iter().map(|t| t.1).sum();
        let mut parents = Vec::new();
        let mut bodies = Vec::new();
        for (id, fields) in &texts {
            let text: String = fields[0].chars().take(CONTEXT_CHARS).collect();
            let h = sha256_bytes(format!("{}\ncontext-task\n{id}", s.seed).as_bytes());
            let mut pick =
                (u64::from_str_radix(&h[..8], 16).expect("hex") % u64::from(weights)) as u32;
            let task = CONTEXT_TASKS
                .iter()
                .find(|(_, w)| {
                    let hit = pick < *w;
                    pick = pick.saturating_sub(*w);
                    hit
                })
                .map(|t| t.0)
                .expect("weights cover the range");
            parents.push((
                format!("{id}/{task}"),
                minijinja::Value::from_serialize(
                    context!(language, text => text.clone(), task, n => s.context_prompts),
                ),
            ));
            bodies.push((id.clone(), text));
        }
        let lists = self.expand("context", &parents, s.context_prompts, true)?;
        let groups: Vec<Vec<Candidate>> = lists
            .into_iter()
            .zip(bodies)
            .map(|((synth_prompt, prompts), (id, text))| {
                prompts
                    .into_iter()
                    .map(|p| {
                        let mut c = Candidate::new(p, &source, id.clone(), synth_prompt.clone());
                        c.context = Some(text.clone());
                        c
                    })
                    .collect()
            })
            .collect();
        Ok(round_robin(&groups, want))
    }

    /// The input prompts, in a seeded order, as many as wanted.
    fn sampled_inputs(&self, fields: &[&str]) -> Result<(String, Inputs)> {
        let path = self.job.input.as_ref().expect("checked in run()");
        let mut items = read_inputs(path, fields)?;
        items.shuffle(&mut self.rng("inputs"));
        Ok((file_name(path), items))
    }

    fn respond_inputs(&mut self) -> Result<Vec<Candidate>> {
        let (source, mut items) = self.sampled_inputs(&["prompt"])?;
        items.truncate(self.s().candidates());
        Ok(items
            .into_iter()
            .map(|(id, f)| Candidate::new(f[0].clone(), &source, id, String::new()))
            .collect())
    }

    fn translate(&mut self) -> Result<Vec<Candidate>> {
        let (source, mut items) = self.sampled_inputs(&["prompt"])?;
        items.truncate(self.s().candidates());
        let language = self.language();
        let mut requests = Vec::new();
        let mut rendered = Vec::new();
        for (id, f) in &items {
            let text = self
                .job
                .templates
                .render("translate", context!(language, text => f[0]))?;
            requests.push(self.request(
                "translate",
                id,
                vec![Message::new("user", text.clone())],
                self.s().max_new_tokens,
            ));
            rendered.push(text);
        }
        let answers = self.teacher.ask("translate", &requests)?;
        let mut out = Vec::new();
        for (((id, f), synth_prompt), g) in items.into_iter().zip(rendered).zip(answers) {
            let (_, text) = split_reasoning(&g.text);
            match self.check(&text, Some(&g)) {
                Some(r) => self.reject("translate", r),
                None => {
                    let mut c = Candidate::new(text, &source, id, synth_prompt);
                    c.source_text = Some(f[0].clone());
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    fn generate(&mut self) -> Result<Vec<Candidate>> {
        let (source, examples) = self.sampled_inputs(&["prompt", "response"])?;
        let k = self.s().examples;
        if examples.len() < k {
            return Err(Error::usage(format!(
                "--input {}: `generate` shows {k} seed examples per request but the file has {}",
                self.job.input.as_ref().expect("checked").display(),
                examples.len()
            )));
        }
        let language = self.language();
        let want = self.s().candidates();
        let mut rng = self.rng("generate-examples");
        let mut requests = Vec::new();
        let mut meta = Vec::new();
        for i in 0..want {
            let picked: Vec<&(String, Vec<String>)> =
                examples.choose_multiple(&mut rng, k).collect();
            let shown: Vec<_> = picked
                .iter()
                .map(|(_, f)| {
                    let json = serde_json::json!({"prompt": f[0], "response": f[1]}).to_string();
                    context!(prompt => f[0], response => f[1], json)
                })
                .collect();
            let category = CATEGORIES[i % CATEGORIES.len()];
            let text = self
                .job
                .templates
                .render("generate", context!(language, examples => shown, category))?;
            let ids: Vec<&str> = picked.iter().map(|(id, _)| id.as_str()).collect();
            let key = format!("{i}/{}", ids.join(","));
            requests.push(self.request(
                "generate",
                &key,
                vec![Message::new("user", text.clone())],
                self.s().max_new_tokens,
            ));
            let shown_prompts: Vec<String> = picked.iter().map(|(_, f)| f[0].clone()).collect();
            meta.push((format!("{category}:{}", ids.join(",")), text, shown_prompts));
        }
        let answers = self.teacher.ask("generate", &requests)?;
        let mut out = Vec::new();
        for ((source_id, synth_prompt, shown), g) in meta.into_iter().zip(answers) {
            let (reasoning, answer) = split_reasoning(&g.text);
            if g.finish == FinishReason::Length {
                self.reject("generate", "truncated");
                continue;
            }
            // Small teachers often echo an example first and then write a new one: take the
            // first {prompt, response} object that is not one of the examples shown.
            let pairs: Vec<(String, String)> = extract_objects(&answer)
                .into_iter()
                .filter_map(|o| {
                    let p = o.get("prompt")?.as_str()?.trim().to_string();
                    let r = o.get("response")?.as_str()?.trim().to_string();
                    Some((p, r))
                })
                .collect();
            if pairs.is_empty() {
                self.reject("generate", "malformed_json");
                continue;
            }
            let Some((prompt, response)) = pairs.into_iter().find(|(p, _)| !shown.contains(p))
            else {
                self.reject("generate", "copied_example");
                continue;
            };
            if let Some(r) = self
                .check(&prompt, None)
                .or_else(|| self.check(&response, None))
            {
                self.reject("generate", r);
                continue;
            }
            let mut c = Candidate::new(prompt, &source, source_id, synth_prompt);
            c.response = Some(response);
            c.reasoning = reasoning.filter(|_| self.s().keep_reasoning);
            out.push(c);
        }
        Ok(out)
    }

    /// Rewrites the chosen share of prompts to be harder (Kakugo's improvement pass).
    fn improve(&mut self, candidates: &mut [Candidate]) -> Result<()> {
        let share = self.s().improve_share;
        if share <= 0.0 {
            return Ok(());
        }
        let seed = self.s().seed;
        let chosen: Vec<usize> = (0..candidates.len())
            .filter(|&i| {
                let h = sha256_bytes(
                    format!("{seed}\nimprove\n{}", candidates[i].full_prompt()).as_bytes(),
                );
                (u64::from_str_radix(&h[..16], 16).expect("hex") as f64 / u64::MAX as f64) < share
            })
            .collect();
        let language = self.language();
        let mut requests = Vec::new();
        for &i in &chosen {
            let text = self.job.templates.render(
                "improve",
                context!(language, prompt => candidates[i].prompt),
            )?;
            requests.push(self.request(
                "improve",
                &candidates[i].full_prompt(),
                vec![Message::new("user", text)],
                self.s().max_new_tokens,
            ));
        }
        let answers = self.teacher.ask("improve", &requests)?;
        for (&i, g) in chosen.iter().zip(answers) {
            let (_, text) = split_reasoning(&g.text);
            let text = text.trim_matches('"').trim().to_string();
            match self.check(&text, Some(&g)) {
                Some(r) => self.reject("improve", r),
                None => {
                    candidates[i].prompt = text;
                    self.summary.improved += 1;
                }
            }
        }
        Ok(())
    }

    /// Answers the candidates in chunks, writing accepted records after each chunk, until the
    /// file holds `n` of this job's items.
    fn respond_and_write(&mut self, candidates: Vec<Candidate>, out: &mut SftFile) -> Result<()> {
        let n = self.s().n;
        let language = self.language();
        let system = self
            .job
            .templates
            .render("respond_system", context!(language))?;
        let model = self.teacher.info().spec.clone();
        let mut have = 0usize;
        for chunk in candidates.chunks(RESPONSE_CHUNK) {
            if have >= n {
                break;
            }
            let todo: Vec<&Candidate> = chunk.iter().filter(|c| c.response.is_none()).collect();
            let requests: Vec<GenerateRequest> = todo
                .iter()
                .map(|c| {
                    self.request(
                        "response",
                        &c.full_prompt(),
                        vec![
                            Message::new("system", system.clone()),
                            Message::new("user", c.full_prompt()),
                        ],
                        self.s().max_new_tokens,
                    )
                })
                .collect();
            let mut answers = self.teacher.ask("response", &requests)?.into_iter();
            let mut records = Vec::new();
            for c in chunk {
                let (reasoning, response, generation) = match &c.response {
                    Some(r) => (c.reasoning.clone(), r.clone(), None),
                    None => {
                        let g = answers.next().expect("one answer per request");
                        let (reasoning, text) = split_reasoning(&g.text);
                        (reasoning, text, Some(g))
                    }
                };
                if let Some(r) = self.check(&response, generation.as_ref()) {
                    self.reject("response", r);
                    continue;
                }
                if have >= n {
                    break;
                }
                let mut record = SftRecord::new(
                    &c.source,
                    self.job.language.code,
                    self.job.strategy.name(),
                    &c.source_id,
                    &c.synth_prompt,
                    &model,
                    &c.full_prompt(),
                    &response,
                );
                record.reasoning = reasoning.filter(|_| self.s().keep_reasoning);
                record.source_text = c.source_text.clone();
                if out.contains(&record.id) {
                    self.summary.already_present += 1;
                } else {
                    records.push(record);
                }
                have += 1;
            }
            self.summary.written += out.append(&records)?;
        }
        self.summary.shortfall = n.saturating_sub(have);
        if self.summary.shortfall > 0 {
            tracing::warn!(
                "only {have} of {n} items passed the checks (rejections: {:?}); raise --overgenerate or --n",
                self.summary.rejected
            );
        }
        Ok(())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Input items: (id, the requested fields' values).
type Inputs = Vec<(String, Vec<String>)>;

/// Reads a JSONL input: every line an object with string `fields` (non-empty) and an optional
/// `id` (default: the line number).
fn read_inputs(path: &Path, fields: &[&str]) -> Result<Inputs> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| Error::parse(path, i + 1, "line", format!("not JSON: {e}")))?;
        let mut values = Vec::new();
        for f in fields {
            match value.get(*f) {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                    values.push(s.clone())
                }
                Some(serde_json::Value::String(_)) => {
                    return Err(Error::parse(path, i + 1, *f, "empty string"))
                }
                Some(other) => {
                    return Err(Error::parse(
                        path,
                        i + 1,
                        *f,
                        format!("expected a string, found {other}"),
                    ))
                }
                None => return Err(Error::parse(path, i + 1, *f, "missing")),
            }
        }
        let id = match value.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => format!("line{}", i + 1),
        };
        out.push((id, values));
    }
    if out.is_empty() {
        return Err(Error::file(path, "no input lines"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_name_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.jsonl");
        std::fs::write(&p, "{\"prompt\": \"a\", \"id\": 7}\n\n{\"prompt\": 3}\n").unwrap();
        let err = read_inputs(&p, &["prompt"]).unwrap_err().to_string();
        assert!(
            err.ends_with("in.jsonl: line 3: field `prompt`: expected a string, found 3"),
            "{err}"
        );
        std::fs::write(&p, "{\"prompt\": \"a\", \"id\": 7}\n{\"prompt\": \"b\"}\n").unwrap();
        let items = read_inputs(&p, &["prompt"]).unwrap();
        assert_eq!(
            items,
            vec![
                ("7".into(), vec!["a".into()]),
                ("line2".into(), vec!["b".into()])
            ]
        );
        let err = read_inputs(&p, &["prompt", "response"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1: field `response`: missing"), "{err}");
    }
}
