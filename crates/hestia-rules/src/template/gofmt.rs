//! Go's `fmt` as templates use it: floats formatted as `strconv` does for
//! the verbs `%e %f %g %v` (shortest or with a precision), and `printf`
//! with flags, width and precision for `%s %q %v %d %f %e %g %x %t %c %%`,
//! reporting mismatches the Go way (`%!d(string=x)`, `%!s(MISSING)`).

use super::value::Value;

/// Formats `v` like `strconv.FormatFloat(v, verb, prec, 64)`; `None` is
/// the shortest representation (`-1`). `upper` selects `E`/`G`.
///
/// ```
/// use hestia_rules::template::format_float;
///
/// assert_eq!(format_float(1234.5, 'e', None, false), "1.2345e+03");
/// ```
pub fn format_float(v: f64, verb: char, prec: Option<usize>, upper: bool) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let s = match verb {
        'e' => {
            let (neg, digits, exp) = match prec {
                Some(p) => rounded_digits(v, p + 1),
                None => shortest_digits(v),
            };
            let p = prec.unwrap_or(digits.len().saturating_sub(1));
            e_form(neg, &digits, exp, p)
        }
        'f' => match prec {
            Some(p) => format!("{v:.p$}"),
            None => {
                let (neg, digits, exp) = shortest_digits(v);
                let frac = (digits.len() as i32 - 1 - exp).max(0) as usize;
                let s = format!("{:.frac$}", v.abs());
                if neg {
                    format!("-{s}")
                } else {
                    s
                }
            }
        },
        _ => g_form(v, prec),
    };
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

/// Sign, significant digits (no trailing zeros except a lone `0`) and
/// decimal exponent of the shortest representation.
fn shortest_digits(v: f64) -> (bool, String, i32) {
    split_e(&format!("{v:e}"))
}

/// Sign, exactly `n` significant digits (correctly rounded) and exponent.
fn rounded_digits(v: f64, n: usize) -> (bool, String, i32) {
    let p = n.max(1) - 1;
    split_e(&format!("{v:.p$e}"))
}

fn split_e(s: &str) -> (bool, String, i32) {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    (neg, digits, exp.parse().unwrap_or(0))
}

fn e_form(neg: bool, digits: &str, exp: i32, prec: usize) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let mut d = digits.to_string();
    while d.len() < prec + 1 {
        d.push('0');
    }
    out.push_str(&d[..1]);
    if prec > 0 {
        out.push('.');
        out.push_str(&d[1..=prec]);
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
    out
}

/// `%g`: shortest (`None`) or `prec` significant digits, trailing zeros
/// removed, exponent form when the exponent is below -4 or at least the
/// precision (6 for shortest, as Go decides).
fn g_form(v: f64, prec: Option<usize>) -> String {
    let (neg, mut digits, exp) = match prec {
        Some(p) => rounded_digits(v, p.max(1)),
        None => shortest_digits(v),
    };
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    if v == 0.0 {
        digits = "0".into();
    }
    let nd = digits.len() as i32;
    let mut eprec = match prec {
        Some(p) => p.max(1) as i32,
        None => 6,
    };
    if prec.is_some() && eprec > nd && nd > exp {
        eprec = nd;
    }
    if prec.is_none() {
        eprec = 6;
    }
    if exp < -4 || exp >= eprec {
        return e_form(neg, &digits, exp, digits.len() - 1);
    }
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// Flags, width and precision of one verb.
#[derive(Debug, Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Go's `fmt.Sprintf(format, args...)`.
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = format.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                _ => break,
            }
            chars.next();
        }
        let number = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
            let mut n: Option<usize> = None;
            while let Some(&(_, d)) = chars.peek() {
                let Some(v) = d.to_digit(10) else { break };
                n = Some(
                    n.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(v as usize)
                        .min(1 << 16),
                );
                chars.next();
            }
            n
        };
        spec.width = number(&mut chars);
        if chars.peek().is_some_and(|&(_, c)| c == '.') {
            chars.next();
            spec.prec = Some(number(&mut chars).unwrap_or(0));
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        out.push_str(&format_one(verb, spec, arg));
    }
    if next < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|a| format!("{}={}", a.type_name(), a.sprint_nested()))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

impl Value {
    fn sprint_nested(&self) -> String {
        match self {
            Value::Missing => "<nil>".into(),
            v => v.sprint(),
        }
    }
}

fn bad_verb(verb: char, arg: &Value) -> String {
    match arg {
        Value::Missing | Value::Nil => format!("%!{verb}(<nil>)"),
        a => format!("%!{verb}({}={})", a.type_name(), a.sprint_nested()),
    }
}

fn pad(s: String, spec: Spec, numeric: bool) -> String {
    let Some(w) = spec.width else { return s };
    let len = s.chars().count();
    if len >= w {
        return s;
    }
    let fill = w - len;
    if spec.minus {
        return s + &" ".repeat(fill);
    }
    if spec.zero && numeric {
        let (sign, rest) = match s.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), s[1..].to_string()),
            _ => (String::new(), s.clone()),
        };
        if rest.chars().all(|c| {
            c.is_ascii_digit()
                || c == '.'
                || c == 'e'
                || c == '+'
                || c == '-'
                || c.is_ascii_hexdigit()
                || c == 'x'
        }) {
            return sign + &"0".repeat(fill) + &rest;
        }
    }
    " ".repeat(fill) + &s
}

fn sign(s: String, spec: Spec) -> String {
    if s.starts_with('-') || s == "NaN" || s.starts_with('+') {
        if s == "+Inf" && !spec.plus {
            return if spec.space {
                " Inf".into()
            } else {
                "+Inf".into()
            };
        }
        return s;
    }
    if spec.plus {
        format!("+{s}")
    } else if spec.space {
        format!(" {s}")
    } else {
        s
    }
}

fn format_one(verb: char, spec: Spec, arg: &Value) -> String {
    match (verb, arg) {
        ('v', Value::Float(f)) | ('g' | 'G' | 'e' | 'E' | 'f' | 'F', Value::Float(f)) => {
            let v = match verb {
                'v' => 'g',
                'F' => 'f',
                c => c.to_ascii_lowercase(),
            };
            let upper = verb == 'G' || verb == 'E';
            let prec = match v {
                'e' | 'f' => Some(spec.prec.unwrap_or(6)),
                _ => spec.prec,
            };
            pad(
                sign(format_float(*f, v, prec, upper), spec),
                spec,
                f.is_finite(),
            )
        }
        ('d' | 'v', Value::Int(i)) => pad(sign(i.to_string(), spec), spec, true),
        ('d' | 'v', Value::Uint(u)) => pad(sign(u.to_string(), spec), spec, true),
        ('x' | 'X', Value::Int(_) | Value::Uint(_)) => {
            let (neg, u) = match arg {
                Value::Int(i) => (*i < 0, i.unsigned_abs()),
                Value::Uint(u) => (false, *u),
                _ => unreachable!("matched above"),
            };
            let mut s = if verb == 'x' {
                format!("{u:x}")
            } else {
                format!("{u:X}")
            };
            if spec.sharp {
                s = format!("0{verb}{s}");
            }
            if neg {
                s = format!("-{s}");
            }
            pad(sign(s, spec), spec, true)
        }
        ('o', Value::Int(i)) => pad(format!("{i:o}"), spec, true),
        ('b', Value::Int(i)) => pad(format!("{i:b}"), spec, true),
        ('c', Value::Int(i)) => pad(
            char::from_u32(*i as u32).unwrap_or('\u{fffd}').to_string(),
            spec,
            false,
        ),
        ('x' | 'X', Value::Str(s) | Value::Html(s)) => {
            let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
            pad(
                if verb == 'X' { hex.to_uppercase() } else { hex },
                spec,
                false,
            )
        }
        ('s' | 'v', Value::Str(s) | Value::Html(s)) => {
            let s: String = match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            };
            pad(s, spec, false)
        }
        ('q', Value::Str(s) | Value::Html(s)) => pad(go_quote(s), spec, false),
        ('q', Value::Int(i)) => pad(
            format!("'{}'", char::from_u32(*i as u32).unwrap_or('\u{fffd}')),
            spec,
            false,
        ),
        ('t' | 'v', Value::Bool(b)) => pad(b.to_string(), spec, false),
        ('v' | 's', Value::Missing | Value::Nil) => pad("<nil>".into(), spec, false),
        (
            'v' | 's',
            Value::Map(_)
            | Value::List(_)
            | Value::Struct(_)
            | Value::Sample(_)
            | Value::Time(_)
            | Value::Duration(_),
        ) => pad(arg.sprint(), spec, false),
        ('d', Value::Time(_) | Value::Duration(_)) => bad_verb(verb, arg),
        _ => bad_verb(verb, arg),
    }
}

/// Go's `strconv.Quote`: a double-quoted string with Go escapes.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
