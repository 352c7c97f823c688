//! `hestia query instant|range`: a Prometheus API answer rendered as a
//! table, one row per sample, columns aligned.
//!
//! ```text
//! SERIES                                TIMESTAMP       VALUE
//! up{instance="localhost:9090",job="x"} 1700000000.000  1
//! ```
//!
//! Vectors give one row per series, matrices one per sample, scalars and
//! strings one row without a series. Series are written in PromQL's
//! series form (`name{label="value", …}`, as `hestia-model` prints it). An error answer becomes [`Error::Invalid`] with its
//! `errorType` and message.

use serde_json::Value;

use crate::Error;

/// Renders the JSON body of `/api/v1/query` or `/api/v1/query_range`.
pub fn render(body: &str) -> Result<String, Error> {
    let json: Value = serde_json::from_str(body)
        .map_err(|e| Error::Invalid(format!("the server's answer is not JSON: {e}")))?;
    if json["status"] != "success" {
        return Err(Error::Invalid(format!(
            "{}: {}",
            json["errorType"].as_str().unwrap_or("error"),
            json["error"].as_str().unwrap_or("no message")
        )));
    }
    let data = &json["data"];
    let result = &data["result"];
    let mut rows: Vec<[String; 3]> = vec![["SERIES".into(), "TIMESTAMP".into(), "VALUE".into()]];
    match data["resultType"].as_str() {
        Some("vector") => {
            for s in result.as_array().into_iter().flatten() {
                rows.push(row(series(&s["metric"]), &s["value"]));
            }
        }
        Some("matrix") => {
            for s in result.as_array().into_iter().flatten() {
                let name = series(&s["metric"]);
                for p in s["values"].as_array().into_iter().flatten() {
                    rows.push(row(name.clone(), p));
                }
            }
        }
        Some("scalar") | Some("string") => rows.push(row(String::new(), result)),
        other => {
            return Err(Error::Invalid(format!(
                "unknown result type {:?}",
                other.unwrap_or("(none)")
            )))
        }
    }
    let mut out = table(&rows);
    for w in json["warnings"].as_array().into_iter().flatten() {
        out.push_str(&format!("warning: {}\n", w.as_str().unwrap_or_default()));
    }
    Ok(out)
}

/// A `[timestamp, "value"]` pair as a row.
fn row(series: String, point: &Value) -> [String; 3] {
    let t = point[0]
        .as_f64()
        .map_or_else(String::new, |t| format!("{t:.3}"));
    let v = point[1].as_str().unwrap_or_default().to_owned();
    [series, t, v]
}

/// A label object in PromQL's series form (`up{job="api"}`), as
/// `hestia-model` writes it.
fn series(metric: &Value) -> String {
    let pairs = metric
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()));
    match hestia_model::Labels::new(pairs) {
        Ok(labels) => labels.promql().to_string(),
        Err(_) => metric.to_string(),
    }
}

/// Rows with columns padded to their widest cell (the last not padded).
fn table(rows: &[[String; 3]]) -> String {
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w1) = (width(0), width(1));
    let mut out = String::new();
    for r in rows {
        out.push_str(&format!("{:<w0$}  {:<w1$}  {}\n", r[0], r[1], r[2]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn tables() {
        let cases = [
            (
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a\"b"},"value":[1700000000,"1"]},{"metric":{},"value":[1700000000.5,"NaN"]}]}}"#,
                "SERIES          TIMESTAMP       VALUE\n\
                 up{job=\"a\\\"b\"}  1700000000.000  1\n\
                 {}              1700000000.500  NaN\n",
            ),
            (
                r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"x"},"values":[[1,"1"],[2,"2"]]}]}}"#,
                "SERIES  TIMESTAMP  VALUE\nx       1.000      1\nx       2.000      2\n",
            ),
            (
                r#"{"status":"success","data":{"resultType":"scalar","result":[5,"3"]},"warnings":["careful"]}"#,
                "SERIES  TIMESTAMP  VALUE\n        5.000      3\nwarning: careful\n",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(render(body).unwrap(), want, "{body}");
        }
    }

    #[test]
    fn errors() {
        let e = render(r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "bad_data: parse error");
        assert!(render("<html>").is_err());
    }
}
