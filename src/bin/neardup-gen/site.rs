//! Template sites: host names and the chrome every page of a site shares.

use crate::text::{self, Style};
use crate::vocab::VOCAB;
use rand::Rng;
use rand::seq::IndexedRandom;
use std::collections::HashSet;

const SYLLABLES: &[&str] = &[
    "fan", "wen", "gz", "zong", "jie", "xie", "bang", "cai", "hua", "zhai", "ku", "ban", "gong",
    "hui", "jiao", "yu", "xue", "zhi", "wang", "jia", "dian", "shi", "hai", "yun", "long", "tian",
    "mei", "xin", "le", "duo", "bao", "lian", "mi", "qi", "ren", "shu", "wu", "you", "zi", "jing",
];
const TLDS: &[&str] = &["com", "com", "com", "cn", "net", "com.cn", "org"];
const CATEGORIES: &[&str] = &[
    "工作总结",
    "工作计划",
    "述职报告",
    "心得体会",
    "调研报告",
    "工会工作总结",
    "党建工作",
    "学校工作",
    "活动方案",
    "范文大全",
];
const SEARCH: &[&str] = &["搜索", "站内搜索", "搜索范文", "全站搜索"];
const AUTHORS: &[&str] = &["会员上传", "小编", "网友投稿", "admin", "佚名", "编辑部"];
/// Ad hosts injected between paragraphs, shared by all sites (like xiexiebang.com).
const AD_HOSTS: &[&str] = &[
    "xiexiebang",
    "fanwen8",
    "wenku365",
    "zongjie100",
    "mhwenku",
    "haowenwang",
];

pub struct Site {
    pub host: String,
    /// Mixed-case brand used in site lines (Gz85.com).
    pub brand: String,
    pub cat: &'static str,
    pub traditional: bool,
    pub ascii_punct: bool,
    pub blank_lines: bool,
    pub search: Option<&'static str>,
    pub breadcrumb: bool,
    pub tag: bool,
    /// 0: `时间:… 作者:…`, 1: `发布时间: 2019.08.17`, 2: `工作总结 阅读(8.86K)`, 3: none.
    pub meta: u8,
    /// The site's own lead sentence of its intro paragraph (shared by all its pages).
    pub intro: Option<String>,
    pub author: &'static str,
    /// 0: brand 更多 阅读 + titles, 1: "title"延伸阅读 + excerpts, 2: download prompts +
    /// 相关范文推荐 with excerpts, 3: 相关范文推荐 + titles.
    pub footer: u8,
    /// Collection headings: 0 `第一篇:title`, 1 `title 篇1`, 2 `title`.
    pub coll_head: u8,
    pub stray: f64,
    pub ad_rate: f64,
    pub ads: Vec<String>,
}

impl Site {
    pub fn style(&self) -> Style {
        Style {
            ascii_punct: self.ascii_punct,
            stray: self.stray,
            ..Style::default()
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Makes `n` sites; `traditional_share` of them convert every page to traditional Chinese.
pub fn sites<R: Rng>(rng: &mut R, n: usize, traditional_share: f64) -> Vec<Site> {
    let mut seen = HashSet::new();
    (0..n)
        .map(|i| {
            let host = loop {
                let name = format!(
                    "{}{}{}",
                    SYLLABLES.choose(rng).unwrap(),
                    SYLLABLES.choose(rng).unwrap(),
                    if rng.random_bool(0.4) {
                        rng.random_range(1..100).to_string()
                    } else {
                        String::new()
                    }
                );
                let host = format!("www.{name}.{}", TLDS.choose(rng).unwrap());
                if seen.insert(host.clone()) {
                    break host;
                }
            };
            let base = host.trim_start_matches("www.");
            let brand = if rng.random_bool(0.5) {
                capitalize(base)
            } else {
                base.to_uppercase()
            };
            // At least one traditional site as soon as there are a few.
            let traditional = if n >= 4 && i == 3 {
                true
            } else {
                rng.random_bool(traditional_share)
            };
            let ascii_punct = rng.random_bool(0.4);
            let intro = if rng.random_bool(0.6) {
                let mut s = String::new();
                let style = Style {
                    ascii_punct,
                    ..Style::default()
                };
                for _ in 0..rng.random_range(1..=2) {
                    text::render_sentence(&mut s, &text::sentence(rng), &style, rng);
                }
                Some(s)
            } else {
                None
            };
            let ads = (0..rng.random_range(1..=2))
                .map(|_| {
                    let h = AD_HOSTS.choose(rng).unwrap();
                    let label = VOCAB.nouns.sample(rng);
                    match rng.random_range(0..3) {
                        0 => format!("www.{h}.com【{h}.com范文网】"),
                        1 => format!("{h}.com - {label}范文下载"),
                        _ => format!("【{h}.com】更多{label}文章"),
                    }
                })
                .collect();
            Site {
                brand,
                cat: CATEGORIES.choose(rng).unwrap(),
                traditional,
                ascii_punct,
                blank_lines: rng.random_bool(0.5),
                search: if rng.random_bool(0.5) {
                    Some(SEARCH.choose(rng).unwrap())
                } else {
                    None
                },
                breadcrumb: rng.random_bool(0.5),
                tag: rng.random_bool(0.4),
                meta: rng.random_range(0..4),
                intro,
                author: AUTHORS.choose(rng).unwrap(),
                footer: rng.random_range(0..4),
                coll_head: rng.random_range(0..3),
                stray: if rng.random_bool(0.2) {
                    rng.random_range(0.05..0.2)
                } else {
                    0.0
                },
                ad_rate: if rng.random_bool(0.4) {
                    rng.random_range(0.05..0.15)
                } else {
                    0.0
                },
                ads,
                host,
            }
        })
        .collect()
}
