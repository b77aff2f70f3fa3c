//! A stable, compact pretty-printer for vector files: a value that fits on its line is
//! written inline (`{"utf8": "b"}`), anything larger is broken one element per line with
//! two-space indentation. Field order is the structs' order.

use serde_json::Value;

/// Line width the printer aims for.
const WIDTH: usize = 100;

/// `value` pretty-printed, with a final newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(value, 0, 0, &mut out);
    out.push('\n');
    out
}

/// Writes `value` at `indent`, with `used` columns already taken on the current line.
fn write(value: &Value, indent: usize, used: usize, out: &mut String) {
    let inline = inline(value);
    let fits = used + inline.len() <= WIDTH;
    match value {
        Value::Array(items) if !fits && !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(indent + 2, out);
                write(item, indent + 2, indent + 2, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(indent, out);
            out.push(']');
        }
        Value::Object(map) if !fits && !map.is_empty() => {
            out.push_str("{\n");
            for (i, (key, item)) in map.iter().enumerate() {
                pad(indent + 2, out);
                let key = serde_json::to_string(key).expect("a string serializes");
                out.push_str(&key);
                out.push_str(": ");
                write(item, indent + 2, indent + 2 + key.len() + 2, out);
                if i + 1 < map.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(indent, out);
            out.push('}');
        }
        _ => out.push_str(&inline),
    }
}

fn pad(n: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// `value` on one line, with a space after `:` and `,`.
fn inline(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        serde_json::to_string(k).expect("a string serializes"),
                        inline(v)
                    )
                })
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        scalar => serde_json::to_string(scalar).expect("a scalar serializes"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn small_values_stay_inline_and_large_ones_break() {
        let value = json!({"a": [1, 2], "b": {"utf8": "x"}, "long": ["x".repeat(120)]});
        let text = super::to_string(&value);
        assert_eq!(
            text,
            format!(
                "{{\n  \"a\": [1, 2],\n  \"b\": {{\"utf8\": \"x\"}},\n  \"long\": [\n    \"{}\"\n  ]\n}}\n",
                "x".repeat(120)
            )
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, value);
    }
}
