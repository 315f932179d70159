//! `neardup-gen corpus`: a seeded template-site corpus with ground truth.
//!
//! A sequential plan (cheap: a few random draws per page) decides for every page its site, its
//! kind and which articles it carries; the pages are then rendered in parallel, each with its own
//! generator derived from (seed, page index), and written in page order, so the same seed gives
//! the same bytes whatever the thread count.
//!
//! Articles are a pure function of (seed, article id), so every copy of an article regenerates the
//! same tokens and renders them with its own page's noise.

use crate::site::{self, Site};
use crate::text::{self, Article, Para, Style};
use anyhow::{Context, Result};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

/// A generator for one purpose (`stream`) and one index, independent of all others.
pub fn rng_for(seed: u64, stream: u64, index: u64) -> ChaCha8Rng {
    let mut bytes = [0u8; 24];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&stream.to_le_bytes());
    bytes[16..].copy_from_slice(&index.to_le_bytes());
    ChaCha8Rng::seed_from_u64(xxhash_rust::xxh3::xxh3_64(&bytes))
}

const STREAM_PLAN: u64 = 1;
const STREAM_SITE: u64 = 2;
const STREAM_ARTICLE: u64 = 3;
const STREAM_PAGE: u64 = 4;

/// The article with this id (same seed ⇒ same article).
pub fn article(seed: u64, id: u32) -> Article {
    text::article(&mut rng_for(seed, STREAM_ARTICLE, id as u64))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// A fresh article that no other page carries.
    Unique,
    /// The first appearance of an article that later pages copy.
    Original,
    Plain,
    Truncated,
    Edited,
    Collection,
    Repeat,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub site: u32,
    pub kind: PageKind,
    pub arts: Vec<u32>,
    /// A unique page may borrow a few paragraphs of a shared article.
    pub borrowed: Option<u32>,
}

pub struct Corpus {
    pub seed: u64,
    pub sites: Vec<Site>,
    pub plans: Vec<Plan>,
    pub n_articles: u32,
}

/// Plans `pages` pages.
pub fn plan(seed: u64, pages: usize) -> Corpus {
    let n_sites = (pages / 100).clamp(4, 2000);
    let mut site_rng = rng_for(seed, STREAM_SITE, 0);
    let sites = site::sites(&mut site_rng, n_sites, 0.08);
    let traditional: Vec<u32> = (0..n_sites as u32)
        .filter(|&s| sites[s as usize].traditional)
        .collect();
    let mut rng = rng_for(seed, STREAM_PLAN, 0);
    let mut next = 0u32;
    let mut fresh = || {
        next += 1;
        next - 1
    };
    // Shared articles and the site of their original.
    let mut pool: Vec<(u32, u32)> = Vec::new();
    let mut plans = Vec::with_capacity(pages);
    for _ in 0..pages {
        let r: f64 = rng.random();
        let site = rng.random_range(0..n_sites as u32);
        let pick = |rng: &mut ChaCha8Rng, pool: &[(u32, u32)]| {
            // A few popular articles are copied far more often than the rest.
            if rng.random_bool(0.15) {
                pool[rng.random_range(0..pool.len().div_ceil(100))]
            } else {
                pool[rng.random_range(0..pool.len())]
            }
        };
        let kind = if pool.is_empty() && r >= 0.56 {
            PageKind::Original
        } else if r < 0.56 {
            PageKind::Unique
        } else if r < 0.66 {
            PageKind::Original
        } else if r < 0.80 {
            PageKind::Plain
        } else if r < 0.85 {
            PageKind::Truncated
        } else if r < 0.90 {
            PageKind::Edited
        } else if r < 0.96 {
            PageKind::Collection
        } else {
            PageKind::Repeat
        };
        let plan = match kind {
            PageKind::Unique => Plan {
                site,
                kind,
                arts: vec![fresh()],
                borrowed: if !pool.is_empty() && rng.random_bool(0.08) {
                    Some(pick(&mut rng, &pool).0)
                } else {
                    None
                },
            },
            PageKind::Original => {
                let a = fresh();
                pool.push((a, site));
                Plan {
                    site,
                    kind,
                    arts: vec![a],
                    borrowed: None,
                }
            }
            PageKind::Plain | PageKind::Truncated | PageKind::Edited => {
                let (a, orig_site) = pick(&mut rng, &pool);
                let site = if rng.random_bool(0.25) {
                    orig_site
                } else if kind == PageKind::Plain && !traditional.is_empty() && rng.random_bool(0.2)
                {
                    *traditional.choose(&mut rng).unwrap()
                } else {
                    site
                };
                Plan {
                    site,
                    kind,
                    arts: vec![a],
                    borrowed: None,
                }
            }
            PageKind::Collection => {
                let n = rng.random_range(2..=6);
                let shared = rng.random_range(1..=2.min(n));
                let mut arts: Vec<u32> = Vec::with_capacity(n);
                for _ in 0..shared {
                    let a = pick(&mut rng, &pool).0;
                    if !arts.contains(&a) {
                        arts.push(a);
                    }
                }
                while arts.len() < n {
                    arts.push(fresh());
                }
                // Shared articles anywhere in the collection.
                for i in (1..arts.len()).rev() {
                    let j = rng.random_range(0..=i);
                    arts.swap(i, j);
                }
                Plan {
                    site,
                    kind,
                    arts,
                    borrowed: None,
                }
            }
            PageKind::Repeat => {
                let a = if rng.random_bool(0.5) {
                    pick(&mut rng, &pool).0
                } else {
                    fresh()
                };
                Plan {
                    site,
                    kind,
                    arts: vec![a],
                    borrowed: None,
                }
            }
        };
        plans.push(plan);
    }
    Corpus {
        seed,
        sites,
        plans,
        n_articles: next,
    }
}

struct Line {
    text: String,
    source: Option<(u32, u32)>,
    edited: bool,
}

fn chrome(text: String) -> Line {
    Line {
        text,
        source: None,
        edited: false,
    }
}

/// How a copy of an article is printed.
#[derive(Default)]
struct CopyOpts {
    /// Body paragraphs kept from the start (1.0 = all).
    keep: f64,
    drop: f64,
    swap: f64,
    repeat: f64,
    /// Probability that a sentence is edited.
    edit: f64,
    /// Text around the title line (collection headings); `None` prints no title.
    title: Option<(String, String)>,
    title_edited: bool,
}

fn emit_article(
    lines: &mut Vec<Line>,
    id: u32,
    art: &Article,
    o: &CopyOpts,
    style: &Style,
    site: &Site,
    rng: &mut ChaCha8Rng,
) {
    if let Some((pre, post)) = &o.title {
        let t = text::render_para(&art.paras[0], style, rng);
        lines.push(Line {
            text: format!("{pre}{t}{post}"),
            source: Some((id, 0)),
            edited: o.title_edited,
        });
    }
    let body = art.paras.len() - 1;
    let keep = ((body as f64 * o.keep).round() as usize).clamp(1, body);
    let mut order: Vec<usize> = (1..=keep).collect();
    if o.drop > 0.0 {
        let kept: Vec<usize> = order
            .iter()
            .copied()
            .filter(|_| !rng.random_bool(o.drop))
            .collect();
        if !kept.is_empty() {
            order = kept;
        }
    }
    if o.swap > 0.0 {
        for i in 1..order.len() {
            if rng.random_bool(o.swap) {
                order.swap(i - 1, i);
            }
        }
    }
    if o.repeat > 0.0 {
        let mut out = Vec::with_capacity(order.len() + 2);
        for &p in &order {
            out.push(p);
            if rng.random_bool(o.repeat) {
                out.push(p);
            }
        }
        order = out;
    }
    for p in order {
        let (text, edited) = if o.edit > 0.0 {
            let mut para: Para = art.paras[p].clone();
            let edited = text::edit_para(rng, &mut para, o.edit);
            (text::render_para(&para, style, rng), edited)
        } else {
            (text::render_para(&art.paras[p], style, rng), false)
        };
        lines.push(Line {
            text,
            source: Some((id, p as u32)),
            edited,
        });
        if site.ad_rate > 0.0 && rng.random_bool(site.ad_rate) {
            lines.push(chrome(site.ads.choose(rng).unwrap().clone()));
        }
    }
}

fn excerpt(seed: u64, id: u32) -> (String, String) {
    let (title, first) = text::article_head(&mut rng_for(seed, STREAM_ARTICLE, id as u64));
    let t = text::plain(&title);
    let e: String = text::plain(&first).chars().take(60).collect();
    (t, format!("{e}......"))
}

fn date_time<R: Rng>(rng: &mut R) -> (u32, u32, u32, u32, u32, u32) {
    (
        rng.random_range(2010..=2023),
        rng.random_range(1..=12),
        rng.random_range(1..=28),
        rng.random_range(0..24),
        rng.random_range(0..60),
        rng.random_range(0..60),
    )
}

#[derive(Serialize)]
struct PageOut<'a> {
    id: &'a str,
    url: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct TruthArticle {
    article: u32,
    kind: &'static str,
    kept: f64,
    share: f64,
}

#[derive(Serialize)]
struct TruthPara {
    line: u32,
    source: Option<String>,
    edited: bool,
}

#[derive(Serialize)]
struct TruthPage<'a> {
    id: &'a str,
    site: &'a str,
    url: &'a str,
    traditional: bool,
    articles: Vec<TruthArticle>,
    paragraphs: Vec<TruthPara>,
}

pub struct Rendered {
    pub id: String,
    pub host: String,
    pub url: String,
    pub text: String,
    pub truth: String,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn kind_label(kind: PageKind, traditional: bool) -> &'static str {
    match kind {
        PageKind::Unique | PageKind::Original => "original",
        PageKind::Plain if traditional => "traditional",
        PageKind::Plain => "plain",
        PageKind::Truncated => "truncated",
        PageKind::Edited => "edited",
        PageKind::Collection => "collection",
        PageKind::Repeat => "repeat",
    }
}

impl Corpus {
    pub fn page_id(&self, idx: usize) -> String {
        let h = xxhash_rust::xxh3::xxh3_64(
            &[self.seed.to_le_bytes(), (idx as u64).to_le_bytes()].concat(),
        );
        format!("{idx:06}_{h:016x}")
    }

    /// Renders page `idx`: its text and its truth line (JSON).
    pub fn render(&self, idx: usize) -> Rendered {
        let plan = &self.plans[idx];
        let site = &self.sites[plan.site as usize];
        let mut rng = rng_for(self.seed, STREAM_PAGE, idx as u64);
        let id = self.page_id(idx);
        let url = format!(
            "http://{}/{}/{}.html",
            site.host,
            match rng.random_range(0..4) {
                0 => "zongjie",
                1 => "fanwen",
                2 => "gongzuo",
                _ => "a",
            },
            rng.random_range(10_000..9_999_999u32)
        );
        let mut style = site.style();
        if rng.random_bool(0.5) {
            style.placeholder = rng.random_range(0.2..1.0);
        }
        style.fullwidth_digits = rng.random_bool(0.1);
        let arts: Vec<(u32, Article)> = plan
            .arts
            .iter()
            .map(|&a| (a, article(self.seed, a)))
            .collect();
        let titles: Vec<String> = arts.iter().map(|(_, a)| text::plain(&a.paras[0])).collect();
        let page_title = if plan.kind == PageKind::Collection {
            format!("{}{}篇", titles[0], arts.len())
        } else {
            titles[0].clone()
        };

        let mut lines: Vec<Line> = Vec::new();
        // Header chrome.
        if let Some(s) = site.search {
            lines.push(chrome(s.to_string()));
        }
        if site.breadcrumb {
            lines.push(chrome(format!("当前位置:首页>{}>{}", site.cat, page_title)));
        }
        let single_title = plan.kind != PageKind::Collection;
        if single_title {
            let t = text::render_para(&arts[0].1.paras[0], &style, &mut rng);
            lines.push(Line {
                text: t,
                source: Some((arts[0].0, 0)),
                edited: false,
            });
        } else {
            lines.push(chrome(page_title.clone()));
        }
        if site.tag {
            lines.push(chrome(format!("【{} - {}范文】", site.host, site.cat)));
        }
        let (y, mo, d, h, mi, s) = date_time(&mut rng);
        match site.meta {
            0 => lines.push(chrome(format!(
                "时间:{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} 作者:{}",
                site.author
            ))),
            1 => lines.push(chrome(format!("发布时间: {y}.{mo:02}.{d:02}"))),
            2 => lines.push(chrome(format!(
                "{} 阅读({}.{}K)",
                site.cat,
                rng.random_range(1..20),
                rng.random_range(0..100)
            ))),
            _ => {}
        }
        if let Some(intro) = &site.intro {
            lines.push(chrome(format!(
                "{intro}下面是小编为大家整理的《{page_title}》,仅供参考,希望能够帮助到大家。"
            )));
        }

        // Body.
        let noisy = |kind: PageKind| CopyOpts {
            keep: 1.0,
            drop: if kind == PageKind::Plain { 0.04 } else { 0.0 },
            swap: if kind == PageKind::Plain { 0.04 } else { 0.0 },
            repeat: if kind == PageKind::Plain { 0.02 } else { 0.0 },
            edit: if kind == PageKind::Plain { 0.02 } else { 0.0 },
            ..CopyOpts::default()
        };
        match plan.kind {
            PageKind::Unique | PageKind::Original | PageKind::Plain => {
                let (a, art) = &arts[0];
                let start = lines.len();
                emit_article(
                    &mut lines,
                    *a,
                    art,
                    &noisy(plan.kind),
                    &style,
                    site,
                    &mut rng,
                );
                if let Some(b) = plan.borrowed {
                    let other = article(self.seed, b);
                    let k = rng.random_range(1..=2).min(other.paras.len() - 1);
                    let first = rng.random_range(1..=other.paras.len() - k);
                    for p in first..first + k {
                        let mut para = other.paras[p].clone();
                        let edited =
                            rng.random_bool(0.5) && text::edit_para(&mut rng, &mut para, 0.3);
                        let at = rng.random_range(start + 1..=lines.len());
                        lines.insert(
                            at,
                            Line {
                                text: text::render_para(&para, &style, &mut rng),
                                source: Some((b, p as u32)),
                                edited,
                            },
                        );
                    }
                }
            }
            PageKind::Truncated => {
                let o = CopyOpts {
                    keep: rng.random_range(0.4..0.9),
                    ..CopyOpts::default()
                };
                emit_article(
                    &mut lines, arts[0].0, &arts[0].1, &o, &style, site, &mut rng,
                );
            }
            PageKind::Edited => {
                let o = CopyOpts {
                    keep: 1.0,
                    edit: rng.random_range(0.15..0.3),
                    ..CopyOpts::default()
                };
                emit_article(
                    &mut lines, arts[0].0, &arts[0].1, &o, &style, site, &mut rng,
                );
            }
            PageKind::Repeat => {
                let (a, art) = &arts[0];
                emit_article(
                    &mut lines,
                    *a,
                    art,
                    &noisy(PageKind::Repeat),
                    &style,
                    site,
                    &mut rng,
                );
                lines.push(chrome(format!("{}更多 精选{}阅读", site.brand, site.cat)));
                let o = CopyOpts {
                    keep: rng.random_range(0.5..0.9),
                    title: Some((String::new(), "优秀范文".to_string())),
                    title_edited: true,
                    ..CopyOpts::default()
                };
                emit_article(&mut lines, *a, art, &o, &style, site, &mut rng);
            }
            PageKind::Collection => {
                for (i, (a, art)) in arts.iter().enumerate() {
                    let title = match site.coll_head {
                        0 => (format!("第{}篇:", text::cn_number(i + 1)), String::new()),
                        1 => (String::new(), format!(" 篇{}", i + 1)),
                        _ => (String::new(), String::new()),
                    };
                    let o = CopyOpts {
                        keep: 1.0,
                        title: Some(title),
                        ..CopyOpts::default()
                    };
                    emit_article(&mut lines, *a, art, &o, &style, site, &mut rng);
                }
            }
        }

        // Footer chrome: titles and excerpts of other articles, download prompts.
        let related: Vec<(String, String)> = (0..rng.random_range(2..=5))
            .map(|_| excerpt(self.seed, rng.random_range(0..self.n_articles)))
            .collect();
        match site.footer {
            0 => {
                lines.push(chrome(format!("{}更多 精选{}阅读", site.brand, site.cat)));
                for (t, _) in &related {
                    lines.push(chrome(t.clone()));
                }
            }
            1 => {
                lines.push(chrome(format!("\"{page_title}\"延伸阅读")));
                for (t, e) in &related {
                    lines.push(chrome(format!("{t} {e}")));
                }
            }
            2 => {
                lines.push(chrome(format!("下载{page_title}word格式文档")));
                lines.push(chrome(format!("下载{page_title}.doc")));
                lines.push(chrome(
                    "将本文档下载到自己电脑,方便修改和收藏,请勿使用迅雷等下载。".to_string(),
                ));
                lines.push(chrome("点此处下载文档".to_string()));
                lines.push(chrome("文档为doc格式".to_string()));
                lines.push(chrome("相关范文推荐".to_string()));
                for (t, e) in &related {
                    lines.push(chrome(format!("    {t}")));
                    lines.push(chrome(format!("    {e}")));
                }
            }
            _ => {
                lines.push(chrome("相关范文推荐".to_string()));
                for (t, _) in &related {
                    lines.push(chrome(format!("    {t}")));
                }
            }
        }

        if site.traditional {
            for l in &mut lines {
                l.text = hanconv::s2twp(&l.text);
            }
        }

        // Assemble text and truth.
        let mut text = String::with_capacity(lines.iter().map(|l| l.text.len() + 2).sum());
        let mut paragraphs = Vec::with_capacity(lines.len());
        let mut line_no = 0u32;
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                text.push('\n');
                if site.blank_lines {
                    text.push('\n');
                    line_no += 1;
                }
            }
            line_no += 1;
            text.push_str(&l.text);
            paragraphs.push(TruthPara {
                line: line_no,
                source: l.source.map(|(a, p)| format!("{a}:{p}")),
                edited: l.edited,
            });
        }
        let content_chars: usize = lines
            .iter()
            .filter(|l| l.source.is_some())
            .map(|l| l.text.chars().count())
            .sum();
        let mut ids: Vec<u32> = plan.arts.clone();
        if let Some(b) = plan.borrowed {
            ids.push(b);
        }
        let articles = ids
            .iter()
            .zip(
                arts.iter()
                    .map(|(_, a)| a.paras.len())
                    .chain(plan.borrowed.map(|b| article(self.seed, b).paras.len())),
            )
            .map(|(&a, n_paras)| {
                let mut seen = vec![false; n_paras];
                let mut chars = 0;
                for l in &lines {
                    if let Some((sa, sp)) = l.source
                        && sa == a
                    {
                        seen[sp as usize] = true;
                        chars += l.text.chars().count();
                    }
                }
                let kept = seen.iter().filter(|&&s| s).count() as f64 / n_paras as f64;
                TruthArticle {
                    article: a,
                    kind: if Some(a) == plan.borrowed {
                        "borrowed"
                    } else {
                        kind_label(plan.kind, site.traditional)
                    },
                    kept: round4(kept),
                    share: round4(chars as f64 / content_chars.max(1) as f64),
                }
            })
            .collect();
        let truth = serde_json::to_string(&TruthPage {
            id: &id,
            site: &site.host,
            url: &url,
            traditional: site.traditional,
            articles,
            paragraphs,
        })
        .expect("truth serializes");
        Rendered {
            id,
            host: site.host.clone(),
            url,
            text,
            truth,
        }
    }
}

/// Writes `pages.jsonl`, `truth.jsonl` and, with `txt`, `txt/<host>/<id>.txt` under `out`.
pub fn write(seed: u64, pages: usize, out: &Path, txt: bool) -> Result<Stats> {
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let corpus = plan(seed, pages);
    if txt {
        for s in &corpus.sites {
            fs::create_dir_all(out.join("txt").join(&s.host))?;
        }
    }
    let mut pages_w = BufWriter::with_capacity(1 << 20, File::create(out.join("pages.jsonl"))?);
    let mut truth_w = BufWriter::with_capacity(1 << 20, File::create(out.join("truth.jsonl"))?);
    let mut stats = Stats::default();
    const CHUNK: usize = 4096;
    for start in (0..pages).step_by(CHUNK) {
        let end = (start + CHUNK).min(pages);
        let rendered: Vec<Rendered> = (start..end)
            .into_par_iter()
            .map(|i| corpus.render(i))
            .collect();
        if txt {
            rendered.par_iter().try_for_each(|r| -> Result<()> {
                let path = out.join("txt").join(&r.host).join(format!("{}.txt", r.id));
                fs::write(&path, &r.text).with_context(|| format!("writing {}", path.display()))
            })?;
        }
        for r in &rendered {
            serde_json::to_writer(
                &mut pages_w,
                &PageOut {
                    id: &r.id,
                    url: &r.url,
                    text: &r.text,
                },
            )?;
            pages_w.write_all(b"\n")?;
            truth_w.write_all(r.truth.as_bytes())?;
            truth_w.write_all(b"\n")?;
            stats.text_bytes += r.text.len() as u64;
        }
    }
    pages_w.flush()?;
    truth_w.flush()?;
    stats.pages = pages;
    for p in &corpus.plans {
        let i = p.kind as usize;
        stats.kinds[i] += 1;
    }
    stats.traditional_sites = corpus.sites.iter().filter(|s| s.traditional).count();
    stats.sites = corpus.sites.len();
    Ok(stats)
}

#[derive(Default, Debug)]
pub struct Stats {
    pub pages: usize,
    pub sites: usize,
    pub traditional_sites: usize,
    pub text_bytes: u64,
    /// Pages per [`PageKind`] (in declaration order).
    pub kinds: [usize; 7],
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const NAMES: [&str; 7] = [
            "unique",
            "original",
            "plain",
            "truncated",
            "edited",
            "collection",
            "repeat",
        ];
        writeln!(
            f,
            "{} pages on {} sites ({} traditional), {:.1} MB of text, {:.0} bytes/page",
            self.pages,
            self.sites,
            self.traditional_sites,
            self.text_bytes as f64 / 1e6,
            self.text_bytes as f64 / self.pages.max(1) as f64
        )?;
        for (n, c) in NAMES.iter().zip(self.kinds) {
            writeln!(
                f,
                "  {n:<10} {c:>8} ({:.1} %)",
                100.0 * c as f64 / self.pages.max(1) as f64
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Tok;

    fn words(p: &Para) -> String {
        p.sents
            .iter()
            .flatten()
            .filter_map(|t| match t {
                Tok::Word(w) => Some(*w),
                _ => None,
            })
            .collect()
    }

    fn is_subsequence(needle: &str, hay: &str) -> bool {
        let mut h = hay.chars();
        needle.chars().all(|c| h.any(|x| x == c))
    }

    #[test]
    fn same_seed_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        write(7, 300, &a, true).unwrap();
        write(7, 300, &b, false).unwrap();
        write(8, 300, &c, false).unwrap();
        for f in ["pages.jsonl", "truth.jsonl"] {
            let x = fs::read(a.join(f)).unwrap();
            assert_eq!(x, fs::read(b.join(f)).unwrap(), "{f}");
            assert_ne!(x, fs::read(c.join(f)).unwrap(), "{f}");
        }
        // The .txt files hold the same texts as pages.jsonl.
        let first = fs::read_to_string(a.join("pages.jsonl")).unwrap();
        let v: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
        let host = v["url"]
            .as_str()
            .unwrap()
            .split('/')
            .nth(2)
            .unwrap()
            .to_string();
        let txt = fs::read_to_string(
            a.join("txt")
                .join(host)
                .join(format!("{}.txt", v["id"].as_str().unwrap())),
        )
        .unwrap();
        assert_eq!(txt, v["text"].as_str().unwrap());
    }

    #[test]
    fn truth_points_at_the_right_lines() {
        let corpus = plan(11, 600);
        let mut checked = 0;
        let mut kinds = std::collections::HashSet::new();
        for i in 0..corpus.plans.len() {
            let r = corpus.render(i);
            let t: serde_json::Value = serde_json::from_str(&r.truth).unwrap();
            let lines: Vec<&str> = r.text.split('\n').collect();
            let paras = t["paragraphs"].as_array().unwrap();
            let listed: std::collections::HashSet<usize> = paras
                .iter()
                .map(|p| p["line"].as_u64().unwrap() as usize)
                .collect();
            // Every non-empty line is listed, every listed line is non-empty.
            for (n, l) in lines.iter().enumerate() {
                assert_eq!(
                    !l.is_empty(),
                    listed.contains(&(n + 1)),
                    "page {i} line {}",
                    n + 1
                );
            }
            let traditional = t["traditional"].as_bool().unwrap();
            for p in paras {
                let Some(src) = p["source"].as_str() else {
                    continue;
                };
                let (a, k) = src.split_once(':').unwrap();
                let art = article(corpus.seed, a.parse().unwrap());
                let para = &art.paras[k.parse::<usize>().unwrap()];
                let line = lines[p["line"].as_u64().unwrap() as usize - 1];
                if !traditional && !p["edited"].as_bool().unwrap() {
                    assert!(
                        is_subsequence(&words(para), line),
                        "page {i}: {src} vs {line}"
                    );
                    checked += 1;
                }
            }
            for a in t["articles"].as_array().unwrap() {
                kinds.insert(a["kind"].as_str().unwrap().to_string());
                let kept = a["kept"].as_f64().unwrap();
                assert!(kept > 0.0 && kept <= 1.0);
            }
        }
        assert!(checked > 5000, "{checked}");
        for k in [
            "original",
            "plain",
            "traditional",
            "truncated",
            "edited",
            "collection",
            "repeat",
        ] {
            assert!(kinds.contains(k), "no {k} in {kinds:?}");
        }
    }

    #[test]
    fn page_size_is_about_five_kilobytes() {
        let corpus = plan(3, 400);
        let bytes: usize = (0..400).map(|i| corpus.render(i).text.len()).sum();
        let avg = bytes / 400;
        assert!((3500..7000).contains(&avg), "{avg}");
    }
}
