//! The site of a page: the host of its url, else the first directory of its path.

/// Host of `url` in lowercase, without user info or port; `None`
/// when the url has no host (`about:blank`, a bare path).
pub fn url_host(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None if url.starts_with("//") => &url[2..],
        None => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        None
    } else {
        Some(host.trim_end_matches('.').to_ascii_lowercase())
    }
}

/// The first directory of a relative path (`site/a.txt` → `site`); empty when there is none.
pub fn first_dir(path: &str) -> &str {
    let path = path.trim_start_matches("./");
    match path.find(['/', '\\']) {
        Some(i) => &path[..i],
        None => "",
    }
}

/// The site of a document: the host of its url, else the first directory of its id.
pub fn site_of(url: Option<&str>, id: &str) -> String {
    url.and_then(url_host)
        .unwrap_or_else(|| first_dir(id).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("http://www.gz85.com/a/b.html").as_deref(),
            Some("www.gz85.com")
        );
        assert_eq!(
            url_host("HTTPS://User@Host.CN:8080/x?y").as_deref(),
            Some("host.cn")
        );
        assert_eq!(
            url_host("//cdn.example.org/p").as_deref(),
            Some("cdn.example.org")
        );
        assert_eq!(url_host("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(url_host("/just/a/path"), None);
        assert_eq!(url_host("http:///nohost"), None);
    }

    #[test]
    fn sites() {
        assert_eq!(site_of(Some("http://a.cn/x"), "b/c.txt"), "a.cn");
        assert_eq!(site_of(None, "b/c.txt"), "b");
        assert_eq!(site_of(Some("not a url"), "./b/c/d.txt"), "b");
        assert_eq!(site_of(None, "c.txt"), "");
    }
}
