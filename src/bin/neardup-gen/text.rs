//! Synthetic articles as tokens, and their rendering with per-page noise.
//!
//! An article is kept as tokens (words, punctuation, numbers, dates, names) so that a page can
//! render it with its own noise: placeholders for numbers and names, ASCII or full-width
//! punctuation and digits, stray `` ` `` / `'` characters, and word edits.

use crate::vocab::VOCAB;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Punct {
    Comma,
    Period,
    Semi,
    Colon,
    Enum,
    LQuote,
    RQuote,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Word(&'static str),
    P(Punct),
    /// A count with its unit: 24名, 310余人, 15%.
    Num(u32, &'static str),
    /// A year: 2013年.
    Year(u16),
    /// A date: 2013年3月12日.
    Date(u16, u8, u8),
    /// A person or place name (placeholder target).
    Name(&'static str),
    /// Fixed text (heading numbers).
    Lit(String),
}

pub type Sentence = Vec<Tok>;

#[derive(Clone, Debug)]
pub struct Para {
    pub sents: Vec<Sentence>,
}

/// A generated article: paragraph 0 is the title, the rest the body (headings included).
#[derive(Clone, Debug)]
pub struct Article {
    pub paras: Vec<Para>,
}

const UNITS: &[&str] = &[
    "名", "人", "元", "万元", "余人", "个", "次", "项", "件", "%", "场", "所", "家", "期", "天",
];
const TITLE_SUFFIX: &[&str] = &[
    "工作总结",
    "工作计划",
    "述职报告",
    "心得体会",
    "调研报告",
    "工作汇报",
    "实施方案",
    "年度总结",
    "自查报告",
    "活动总结",
];
const CN_DIGITS: &[&str] = &[
    "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
];

/// Chinese numeral for 1..=99 (一, 十一, 二十三).
pub fn cn_number(n: usize) -> String {
    match n {
        0..=10 => CN_DIGITS[n].to_string(),
        11..=19 => format!("十{}", CN_DIGITS[n - 10]),
        _ => {
            let (t, u) = (n / 10, n % 10);
            if u == 0 {
                format!("{}十", CN_DIGITS[t])
            } else {
                format!("{}十{}", CN_DIGITS[t], CN_DIGITS[u])
            }
        }
    }
}

fn number_token<R: Rng>(rng: &mut R) -> Tok {
    match rng.random_range(0..10) {
        0..=2 => Tok::Year(rng.random_range(2005..=2023)),
        3 => Tok::Date(
            rng.random_range(2005..=2023),
            rng.random_range(1..=12),
            rng.random_range(1..=28),
        ),
        4..=5 => Tok::Name(if rng.random_bool(0.5) {
            VOCAB.names.sample(rng)
        } else {
            VOCAB.places.sample(rng)
        }),
        _ => {
            let n = match rng.random_range(0..3) {
                0 => rng.random_range(1..20),
                1 => rng.random_range(20..500),
                _ => rng.random_range(500..20_000),
            };
            Tok::Num(n, UNITS.choose(rng).unwrap())
        }
    }
}

/// 8–30 words with commas, maybe a quoted phrase and a number, date or name.
pub fn sentence<R: Rng>(rng: &mut R) -> Sentence {
    let n = rng.random_range(8..=30);
    let mut s = Vec::with_capacity(n + 8);
    let mut since_comma = 0;
    let quote_at = if rng.random_bool(0.2) {
        Some(rng.random_range(0..n))
    } else {
        None
    };
    let mut quote_left = 0;
    for i in 0..n {
        if Some(i) == quote_at {
            s.push(Tok::P(Punct::LQuote));
            quote_left = rng.random_range(2..=4);
        }
        if i > 0 && rng.random_bool(0.04) {
            s.push(number_token(rng));
        }
        s.push(Tok::Word(VOCAB.all.sample(rng)));
        since_comma += 1;
        if quote_left > 0 {
            quote_left -= 1;
            if quote_left == 0 {
                s.push(Tok::P(Punct::RQuote));
            }
            continue;
        }
        if i + 2 < n && since_comma >= 4 && rng.random_bool(0.22) {
            let p = match rng.random_range(0..10) {
                0 => Punct::Enum,
                1 => Punct::Semi,
                _ => Punct::Comma,
            };
            s.push(Tok::P(p));
            since_comma = 0;
        }
    }
    if quote_left > 0 {
        s.push(Tok::P(Punct::RQuote));
    }
    s.push(Tok::P(if rng.random_bool(0.05) {
        Punct::Colon
    } else {
        Punct::Period
    }));
    s
}

fn title<R: Rng>(rng: &mut R) -> Para {
    let mut t = Vec::new();
    if rng.random_bool(0.5) {
        t.push(Tok::Year(rng.random_range(2005..=2023)));
    }
    for _ in 0..rng.random_range(2..=3) {
        t.push(Tok::Word(VOCAB.nouns.sample(rng)));
    }
    t.push(Tok::Word(TITLE_SUFFIX.choose(rng).unwrap()));
    Para { sents: vec![t] }
}

fn heading<R: Rng>(rng: &mut R, n: usize, style: u8) -> Para {
    let num = match style {
        0 => format!("{}、", cn_number(n)),
        1 => format!("（{}）", cn_number(n)),
        _ => format!("{n}、"),
    };
    let mut s = vec![Tok::Lit(num)];
    for i in 0..rng.random_range(4..=9) {
        if i == 4 && rng.random_bool(0.5) {
            s.push(Tok::P(Punct::Comma));
        }
        s.push(Tok::Word(VOCAB.all.sample(rng)));
    }
    if rng.random_bool(0.5) {
        s.push(Tok::P(Punct::Period));
    }
    Para { sents: vec![s] }
}

fn body<R: Rng>(rng: &mut R) -> Para {
    let n = rng.random_range(2..=6);
    Para {
        sents: (0..n).map(|_| sentence(rng)).collect(),
    }
}

/// Title, an opening paragraph, then numbered sections (heading + 1–3 paragraphs); 6–15 body
/// paragraphs in all.
pub fn article<R: Rng>(rng: &mut R) -> Article {
    let target = rng.random_range(6..=15);
    let style = rng.random_range(0..3u8);
    let mut paras = vec![title(rng), body(rng)];
    grow(rng, &mut paras, target, style);
    Article { paras }
}

/// The title and first body paragraph of [`article`] drawn from the same generator, without the
/// cost of the rest (footer excerpts only need these).
pub fn article_head<R: Rng>(rng: &mut R) -> (Para, Para) {
    let _target = rng.random_range(6..=15);
    let _style = rng.random_range(0..3u8);
    let t = title(rng);
    (t, body(rng))
}

fn grow<R: Rng>(rng: &mut R, paras: &mut Vec<Para>, target: usize, style: u8) {
    let mut section = 1;
    while paras.len() - 1 < target {
        let left = target - (paras.len() - 1);
        if left >= 2 && rng.random_bool(0.6) {
            paras.push(heading(rng, section, style));
            section += 1;
        }
        paras.push(body(rng));
    }
}

/// Heavily edits a paragraph: each sentence is changed with probability `p` (1–3 word
/// substitutions, insertions or deletions). Returns whether anything changed.
pub fn edit_para<R: Rng>(rng: &mut R, para: &mut Para, p: f64) -> bool {
    let mut changed = false;
    for s in &mut para.sents {
        if !rng.random_bool(p) {
            continue;
        }
        for _ in 0..rng.random_range(1..=3) {
            let words: Vec<usize> = (0..s.len())
                .filter(|&i| matches!(s[i], Tok::Word(_)))
                .collect();
            if words.len() < 3 {
                break;
            }
            let at = *words.choose(rng).unwrap();
            match rng.random_range(0..3) {
                0 => s[at] = Tok::Word(VOCAB.all.sample(rng)),
                1 => s.insert(at, Tok::Word(VOCAB.all.sample(rng))),
                _ => {
                    s.remove(at);
                }
            }
            changed = true;
        }
    }
    changed
}

/// How one page renders text.
#[derive(Clone, Debug, Default)]
pub struct Style {
    /// `,` `;` `:` `(` `)` instead of full-width.
    pub ascii_punct: bool,
    /// ０-９ instead of 0-9.
    pub fullwidth_digits: bool,
    /// Probability that a number, date or name becomes a placeholder.
    pub placeholder: f64,
    /// Probability that a sentence gets a stray `` ` `` or `'`.
    pub stray: f64,
}

const NUM_PH: &[&str] = &["*", "X", "XX", "xx", "***"];
const NAME_PH: &[&str] = &["XX", "xx", "*", "xxxx", "X", "***"];
const YEAR_PH: &[&str] = &["20xx", "20xx", "xx", "二Ox", "xxxx"];

fn push_digits(out: &mut String, n: u32, style: &Style) {
    if style.fullwidth_digits {
        for c in n.to_string().chars() {
            out.push(char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap());
        }
    } else {
        out.push_str(&n.to_string());
    }
}

fn push_year<R: Rng>(out: &mut String, y: u16, style: &Style, rng: &mut R) {
    if style.placeholder > 0.0 && rng.random_bool(style.placeholder) {
        out.push_str(YEAR_PH.choose(rng).unwrap());
    } else {
        push_digits(out, y as u32, style);
    }
    out.push('年');
}

/// Renders one sentence (or title/heading) into `out`.
pub fn render_sentence<R: Rng>(out: &mut String, s: &Sentence, style: &Style, rng: &mut R) {
    let start = out.len();
    for t in s {
        match t {
            Tok::Word(w) => out.push_str(w),
            Tok::Lit(l) => {
                if style.ascii_punct {
                    out.push_str(&l.replace('（', "(").replace('）', ")"));
                } else {
                    out.push_str(l)
                }
            }
            Tok::P(p) => out.push_str(match (p, style.ascii_punct) {
                (Punct::Comma, false) => "，",
                (Punct::Comma, true) => ",",
                (Punct::Semi, false) => "；",
                (Punct::Semi, true) => ";",
                (Punct::Colon, false) => "：",
                (Punct::Colon, true) => ":",
                (Punct::Period, _) => "。",
                (Punct::Enum, _) => "、",
                (Punct::LQuote, _) => "“",
                (Punct::RQuote, _) => "”",
            }),
            Tok::Num(n, unit) => {
                if style.placeholder > 0.0 && rng.random_bool(style.placeholder) {
                    out.push_str(NUM_PH.choose(rng).unwrap());
                } else {
                    push_digits(out, *n, style);
                }
                out.push_str(unit);
            }
            Tok::Year(y) => push_year(out, *y, style, rng),
            Tok::Date(y, m, d) => {
                push_year(out, *y, style, rng);
                if style.placeholder > 0.0 && rng.random_bool(style.placeholder) {
                    out.push_str("x月x日");
                } else {
                    push_digits(out, *m as u32, style);
                    out.push('月');
                    push_digits(out, *d as u32, style);
                    out.push('日');
                }
            }
            Tok::Name(n) => {
                if style.placeholder > 0.0 && rng.random_bool(style.placeholder) {
                    out.push_str(NAME_PH.choose(rng).unwrap());
                } else {
                    out.push_str(n);
                }
            }
        }
    }
    if style.stray > 0.0 && rng.random_bool(style.stray) {
        let rendered = &out[start..];
        let bounds: Vec<usize> = rendered
            .char_indices()
            .map(|(i, _)| start + i)
            .filter(|&i| i > start)
            .collect();
        if let Some(&at) = bounds.choose(rng) {
            out.insert(at, if rng.random_bool(0.5) { '`' } else { '\'' });
        }
    }
}

/// Renders a paragraph as one line (no newline).
pub fn render_para<R: Rng>(p: &Para, style: &Style, rng: &mut R) -> String {
    let mut out = String::with_capacity(p.sents.len() * 100);
    for s in &p.sents {
        render_sentence(&mut out, s, style, rng);
    }
    out
}

/// Renders a paragraph with no noise (titles in chrome, excerpts).
pub fn plain(p: &Para) -> String {
    // The default style draws no random numbers; the generator is only there to satisfy the type.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    render_para(p, &Style::default(), &mut rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn cn_numbers() {
        assert_eq!(cn_number(1), "一");
        assert_eq!(cn_number(10), "十");
        assert_eq!(cn_number(14), "十四");
        assert_eq!(cn_number(20), "二十");
        assert_eq!(cn_number(23), "二十三");
    }

    #[test]
    fn articles_have_the_promised_shape() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..50 {
            let a = article(&mut rng);
            assert!((7..=16).contains(&a.paras.len()), "{}", a.paras.len());
            let text = plain(&a.paras[1]);
            assert!(text.ends_with('。') || text.ends_with('：'), "{text}");
        }
        let mut a = ChaCha8Rng::seed_from_u64(9);
        let mut b = a.clone();
        let full = article(&mut a);
        let (t, first) = article_head(&mut b);
        assert_eq!(plain(&t), plain(&full.paras[0]));
        assert_eq!(plain(&first), plain(&full.paras[1]));
    }

    #[test]
    fn placeholders_and_ascii_punct() {
        let s = vec![
            Tok::Year(2013),
            Tok::Word("工作"),
            Tok::P(Punct::Comma),
            Tok::Num(24, "名"),
            Tok::Name("张三"),
            Tok::P(Punct::Period),
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut out = String::new();
        let style = Style {
            ascii_punct: true,
            placeholder: 1.0,
            ..Style::default()
        };
        render_sentence(&mut out, &s, &style, &mut rng);
        assert!(!out.contains("2013") && !out.contains("24") && !out.contains("张三"));
        assert!(out.contains(",") && out.ends_with('。'));
        let mut out = String::new();
        let style = Style {
            fullwidth_digits: true,
            ..Style::default()
        };
        render_sentence(&mut out, &s, &style, &mut rng);
        assert_eq!(out, "２０１３年工作，２４名张三。");
    }
}
