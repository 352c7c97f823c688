//! Go's `text/template`, the subset Prometheus' alert labels and
//! annotations use, in its own tree: `lexer` → `parse` → `exec`
//! over [`Value`]s, with Go's builtins and Prometheus' functions in
//! `funcs`.
//!
//! Supported: text and actions with trim markers and comments; `.`,
//! `.Field` chains, `$variables` (declare `:=`, assign `=`), pipelines,
//! parenthesised pipelines, string/raw/char/number/bool/nil constants;
//! `if`/`else if`/`else`, `range` (lists, maps, integers, two variables,
//! `else`, `break`, `continue`), `with`/`else with`, `define`, `template`,
//! `block`; the builtins `and or not len index slice print printf println
//! html js urlquery eq ne lt le gt ge`; Prometheus' `query first label
//! value strvalue sortByLabel args reReplaceAll match title toUpper toLower
//! stripPort stripDomain humanize humanize1024 humanizeDuration
//! humanizePercentage humanizeTimestamp toTime toDuration now
//! parseDuration urlQueryEscape safeHtml graphLink tableLink pathPrefix
//! externalURL`. Missing map keys read as the zero value
//! (`missingkey=zero`), as Prometheus configures Go's templates.
//!
//! Not supported: HTML auto-escaping (console templates), `call`, complex
//! numbers, methods other than a few on times and durations.
//!
//! Errors read as Go's, wrapped as Prometheus wraps them (`error executing
//! template NAME: template: NAME:1:21: executing "NAME" at <first>: error
//! calling first: first() called on vector with no elements`); for rules,
//! [`expand_alert`] turns them into the text `<error expanding template:
//! ...>` and never fails.

mod ast;
mod exec;
mod funcs;
pub(crate) mod gofmt;
pub(crate) mod lexer;
pub(crate) mod parse;
pub mod time;
pub mod value;

use std::rc::Rc;

use hestia_model::Labels;

pub use funcs::{Env, TemplateQuery};
pub use value::Value;

pub(crate) use funcs::query_escape;
pub use gofmt::format_float;

/// A parse or execution error, with Prometheus' wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    name: String,
    src: String,
    tree: parse::Tree,
}

impl Template {
    /// Parses `text`, called `name` in messages. The error is Go's
    /// (`template: NAME:1: function "x" not defined`).
    pub fn parse(name: &str, text: &str) -> Result<Template, TemplateError> {
        let tree = parse::parse(text, &funcs::is_function)
            .map_err(|e| TemplateError(format!("template: {name}:{}: {}", e.line, e.message)))?;
        Ok(Template {
            name: name.to_string(),
            src: text.to_string(),
            tree,
        })
    }

    /// Executes the template over `data`.
    pub fn execute(&self, data: Value, env: &Env<'_>) -> Result<String, TemplateError> {
        exec::execute(&self.tree, &self.name, data, env)
            .map_err(|e| TemplateError(e.render(&self.name, &self.src)))
    }
}

/// Parses and executes `text` as Prometheus' `Expander.Expand` does,
/// wrapping errors as `error parsing template NAME: ...` or `error
/// executing template NAME: ...`.
pub fn expand(name: &str, text: &str, data: Value, env: &Env<'_>) -> Result<String, TemplateError> {
    let t = Template::parse(name, text)
        .map_err(|e| TemplateError(format!("error parsing template {name}: {e}")))?;
    t.execute(data, env)
        .map_err(|e| TemplateError(format!("error executing template {name}: {e}")))
}

/// The variables Prometheus declares before every alert template.
pub const ALERT_DEFS: &str = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/// What an alert's label and annotation templates see.
#[derive(Debug, Clone, Copy)]
pub struct AlertData<'a> {
    /// The alert's labels (the series' labels).
    pub labels: &'a Labels,
    /// The configured external labels.
    pub external_labels: &'a Labels,
    /// The external URL.
    pub external_url: &'a str,
    /// The sample's value.
    pub value: f64,
}

impl AlertData<'_> {
    /// The template data value: a struct with `Labels`, `ExternalLabels`,
    /// `ExternalURL` and `Value`.
    pub fn to_value(&self) -> Value {
        let map = |l: &Labels| Value::string_map(l.iter());
        Value::Struct(Rc::new(value::Struct {
            type_name: "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }",
            fields: vec![
                ("Labels", map(self.labels)),
                ("ExternalLabels", map(self.external_labels)),
                ("ExternalURL", Value::str(self.external_url)),
                ("Value", Value::Float(self.value)),
            ],
        }))
    }
}

/// Expands an alert's label or annotation template `text` for the alert
/// rule `alert` as Prometheus does: the `$labels`, `$externalLabels`,
/// `$externalURL` and `$value` variables declared first, the template
/// named `__alert_<alert>`, and any error turned into `<error expanding
/// template: ...>`.
pub fn expand_alert(alert: &str, text: &str, data: &AlertData<'_>, env: &Env<'_>) -> String {
    let name = format!("__alert_{alert}");
    let full = format!("{ALERT_DEFS}{text}");
    match expand(&name, &full, data.to_value(), env) {
        Ok(s) => s,
        Err(e) => format!("<error expanding template: {e}>"),
    }
}

/// Checks that `text` parses as an alert template of `alert` (what
/// Prometheus checks when loading rules).
pub fn check_alert_template(alert: &str, text: &str) -> Result<(), TemplateError> {
    Template::parse(&format!("__alert_{alert}"), &format!("{ALERT_DEFS}{text}")).map(|_| ())
}
