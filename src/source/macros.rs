//! Code inside macro invocations, parsed once before the visit so the
//! visitor can hold references into it.
//!
//! A macro's tokens are tried as comma-separated expressions (`vec![…]`,
//! `join!(…)`), then as statements, then as items; what parses as none of
//! them is searched for brace, paren and bracket groups that do
//! (`with_conn! { conn => { … } }`). Invocations of the file's own simple
//! `macro_rules!` macros (no repetitions) are expanded by substitution, so
//! the functions they define are known by name. What cannot be parsed is
//! skipped and counted.

use std::collections::HashMap;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Item, Stmt};

/// What one piece of a macro's tokens parsed as.
pub enum Piece {
    Exprs(Vec<Expr>),
    Stmts(Vec<Stmt>),
    Items(Vec<Item>),
}

#[derive(Default)]
pub struct MacroBodies {
    /// By the address of the `syn::Macro` node: every invocation, in the
    /// file or inside an expansion, is its own node (spans are not unique
    /// once a `macro_rules!` body is pasted in twice).
    index: HashMap<usize, usize>,
    bodies: Vec<Vec<Piece>>,
    /// Invocations whose tokens parsed as nothing.
    pub opaque: usize,
}

/// Macros whose bodies hold no database calls worth visiting.
/// (`format!` is visited: a call in its arguments is a call the taint of
/// the text it builds goes through.)
const SKIP_MACROS: &[&str] = &[
    "println",
    "eprintln",
    "print",
    "eprint",
    "debug",
    "info",
    "warn",
    "error",
    "trace",
    "concat",
    "stringify",
    "include_str",
    "include_bytes",
    "env",
    "matches",
    "cfg",
    "write",
    "writeln",
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "table",
    "joinable",
    "allow_tables_to_appear_in_same_query",
    "sql_function",
    "define_sql_function",
    "macro_rules",
];

/// How deep groups inside groups are searched, and macros expanded.
const MAX_DEPTH: usize = 4;

/// How many `macro_rules!` expansions one file may make (a rule calling
/// itself several times would otherwise grow without bound).
const EXPANSION_BUDGET: usize = 2_000;

fn macro_name(mac: &syn::Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

impl MacroBodies {
    /// `tests`: also inside test items (`#[test]`, `#[cfg(test)]`).
    pub fn collect(file: &syn::File, tests: bool) -> MacroBodies {
        let mut out = MacroBodies::default();
        let mut rules = HashMap::new();
        collect_rules(&file.items, &mut rules);
        let mut c = Collector {
            out: &mut out,
            rules: &rules,
            depth: 0,
            tests,
            expanding: Vec::new(),
            budget: EXPANSION_BUDGET,
        };
        c.visit_file(file);
        out
    }

    fn key(mac: &syn::Macro) -> usize {
        mac as *const syn::Macro as usize
    }

    pub fn get(&self, mac: &syn::Macro) -> Option<&[Piece]> {
        self.index
            .get(&Self::key(mac))
            .map(|&i| self.bodies[i].as_slice())
    }
}

/// Parses a token stream as code: expressions, statements or items, else
/// the groups inside it, recursively.
fn parse_pieces(tokens: TokenStream, depth: usize, out: &mut Vec<Piece>) {
    if tokens.is_empty() {
        return;
    }
    // One token buffer, tried as items, expressions, then statements on
    // forks of it (a failed try costs a parse, never a copy of the tokens).
    let whole = |input: syn::parse::ParseStream<'_>| -> syn::Result<Piece> {
        if starts_like_item(input) {
            let mut items = Vec::new();
            while !input.is_empty() {
                items.push(input.parse::<Item>()?);
            }
            return Ok(Piece::Items(items));
        }
        let fork = input.fork();
        if let Ok(p) = Punctuated::<Expr, syn::Token![,]>::parse_terminated(&fork) {
            if fork.is_empty() {
                syn::parse::discouraged::Speculative::advance_to(input, &fork);
                return Ok(Piece::Exprs(p.into_iter().collect()));
            }
        }
        let stmts = syn::Block::parse_within(input)?;
        Ok(Piece::Stmts(stmts))
    };
    match whole.parse2(tokens.clone()) {
        Ok(Piece::Stmts(s)) if s.is_empty() => {}
        Ok(p) => {
            out.push(p);
            return;
        }
        Err(_) => {}
    }
    if depth >= MAX_DEPTH {
        return;
    }
    // The groups inside: a brace group is a block; a paren or bracket
    // group is a list of expressions, tried once.
    for tt in tokens {
        let TokenTree::Group(g) = tt else { continue };
        match g.delimiter() {
            Delimiter::Brace => parse_pieces(g.stream(), depth + 1, out),
            Delimiter::Parenthesis | Delimiter::Bracket => {
                if let Ok(p) =
                    Punctuated::<Expr, syn::Token![,]>::parse_terminated.parse2(g.stream())
                {
                    if !p.is_empty() {
                        out.push(Piece::Exprs(p.into_iter().collect()));
                    }
                }
            }
            Delimiter::None => parse_pieces(g.stream(), depth + 1, out),
        }
    }
}

fn starts_like_item(input: syn::parse::ParseStream<'_>) -> bool {
    use syn::Token;
    input.peek(Token![fn])
        || input.peek(Token![pub])
        || input.peek(Token![struct])
        || input.peek(Token![enum])
        || input.peek(Token![impl])
        || input.peek(Token![use])
        || input.peek(Token![mod])
        || input.peek(Token![trait])
        || input.peek(Token![type])
        || input.peek(Token![extern])
        || input.peek(Token![#])
        || (input.peek(Token![const]) && !input.peek2(syn::token::Brace))
        || (input.peek(Token![static]) && !input.peek2(Token![|]))
        || (input.peek(Token![async]) && input.peek2(Token![fn]))
        || (input.peek(Token![unsafe]) && !input.peek2(syn::token::Brace))
}

/// Logging and tracing macros (`info!`, `admin_error!`, `span_warn!`).
fn is_logging(name: &str) -> bool {
    ["trace", "debug", "info", "warn", "error"]
        .iter()
        .any(|l| name.ends_with(&format!("_{l}")) || name.starts_with(&format!("{l}_")))
}

/// One arm of a `macro_rules!`: a flat pattern and the body.
struct Rule {
    pattern: Vec<TokenTree>,
    body: TokenStream,
}

fn collect_rules(items: &[Item], out: &mut HashMap<String, Vec<Rule>>) {
    for item in items {
        match item {
            Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {
                let Some(name) = &m.ident else { continue };
                let arms = parse_rules(m.mac.tokens.clone());
                if !arms.is_empty() {
                    out.insert(name.to_string(), arms);
                }
            }
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect_rules(inner, out);
                }
            }
            _ => {}
        }
    }
}

/// `(pattern) => { body };` arms; arms with repetitions are left out.
fn parse_rules(tokens: TokenStream) -> Vec<Rule> {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 3 < tts.len() + 1 {
        let (
            TokenTree::Group(pat),
            Some(TokenTree::Punct(eq)),
            Some(TokenTree::Punct(gt)),
            Some(TokenTree::Group(body)),
        ) = (&tts[i], tts.get(i + 1), tts.get(i + 2), tts.get(i + 3))
        else {
            break;
        };
        if eq.as_char() != '=' || gt.as_char() != '>' {
            break;
        }
        let pattern: Vec<TokenTree> = pat.stream().into_iter().collect();
        let repeats = |ts: &TokenStream| has_repetition(ts.clone());
        if !repeats(&pat.stream()) && !repeats(&body.stream()) {
            out.push(Rule {
                pattern,
                body: body.stream(),
            });
        }
        i += 4;
        if matches!(tts.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            i += 1;
        }
    }
    out
}

fn has_repetition(ts: TokenStream) -> bool {
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    tts.windows(2).any(|w| {
        matches!((&w[0], &w[1]), (TokenTree::Punct(p), TokenTree::Group(_)) if p.as_char() == '$')
    }) || tts.iter().any(|t| matches!(t, TokenTree::Group(g) if has_repetition(g.stream())))
}

/// Matches invocation tokens against a flat pattern: `$name:frag` binds
/// everything up to the next literal token of the pattern.
fn match_rule(
    pattern: &[TokenTree],
    input: &[TokenTree],
) -> Option<HashMap<String, Vec<TokenTree>>> {
    let mut binds = HashMap::new();
    let (mut p, mut i) = (0, 0);
    while p < pattern.len() {
        match (
            &pattern[p],
            pattern.get(p + 1),
            pattern.get(p + 2),
            pattern.get(p + 3),
        ) {
            (
                TokenTree::Punct(d),
                Some(TokenTree::Ident(name)),
                Some(TokenTree::Punct(c)),
                Some(TokenTree::Ident(frag)),
            ) if d.as_char() == '$' && c.as_char() == ':' => {
                let next = pattern.get(p + 4);
                let start = i;
                let single = matches!(
                    frag.to_string().as_str(),
                    "ident" | "tt" | "lifetime" | "literal"
                );
                if single {
                    i += 1;
                } else {
                    while i < input.len() && !next.is_some_and(|n| same_token(n, &input[i])) {
                        i += 1;
                    }
                }
                if i > input.len() || i == start {
                    return None;
                }
                binds.insert(name.to_string(), input[start..i].to_vec());
                p += 4;
            }
            (lit, ..) => {
                if !input.get(i).is_some_and(|t| same_token(lit, t)) {
                    return None;
                }
                p += 1;
                i += 1;
            }
        }
    }
    (i == input.len()).then_some(binds)
}

fn same_token(a: &TokenTree, b: &TokenTree) -> bool {
    match (a, b) {
        (TokenTree::Punct(x), TokenTree::Punct(y)) => x.as_char() == y.as_char(),
        (TokenTree::Ident(x), TokenTree::Ident(y)) => x == y,
        (TokenTree::Literal(x), TokenTree::Literal(y)) => x.to_string() == y.to_string(),
        (TokenTree::Group(x), TokenTree::Group(y)) => x.delimiter() == y.delimiter(),
        _ => false,
    }
}

/// The body with each `$name` replaced by what it bound. The body's own
/// tokens take the invocation's span, so what is found in an expansion is
/// located at the call, not in the definition.
fn substitute(
    body: TokenStream,
    binds: &HashMap<String, Vec<TokenTree>>,
    call: proc_macro2::Span,
) -> TokenStream {
    let tts: Vec<TokenTree> = body.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(tts.len());
    let mut k = 0;
    while k < tts.len() {
        match (&tts[k], tts.get(k + 1)) {
            (TokenTree::Punct(d), Some(TokenTree::Ident(name)))
                if d.as_char() == '$' && binds.contains_key(&name.to_string()) =>
            {
                out.extend(binds[&name.to_string()].iter().cloned());
                k += 2;
            }
            (TokenTree::Group(g), _) => {
                let mut ng =
                    proc_macro2::Group::new(g.delimiter(), substitute(g.stream(), binds, call));
                ng.set_span(call);
                out.push(TokenTree::Group(ng));
                k += 1;
            }
            (t, _) => {
                let mut t = t.clone();
                t.set_span(call);
                out.push(t);
                k += 1;
            }
        }
    }
    out.into_iter().collect()
}

struct Collector<'m> {
    out: &'m mut MacroBodies,
    rules: &'m HashMap<String, Vec<Rule>>,
    depth: usize,
    tests: bool,
    /// The rules being expanded: one is not expanded inside itself.
    expanding: Vec<String>,
    budget: usize,
}

impl Collector<'_> {
    fn add(&mut self, mac: &syn::Macro) {
        let name = macro_name(mac);
        if SKIP_MACROS.contains(&name.as_str()) || is_logging(&name) || self.depth > MAX_DEPTH {
            return;
        }
        let mut pieces = Vec::new();
        // A macro of the file's own: expand it where the arms are plain
        // substitution, never inside its own expansion, within a budget.
        let mut expanded = false;
        if let Some(rules) = self.rules.get(&name) {
            if self.budget > 0 && !self.expanding.contains(&name) {
                self.budget -= 1;
                let input: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
                if let Some((rule, binds)) = rules
                    .iter()
                    .find_map(|r| Some((r, match_rule(&r.pattern, &input)?)))
                {
                    let call = mac.path.span();
                    parse_pieces(substitute(rule.body.clone(), &binds, call), 0, &mut pieces);
                    expanded = !pieces.is_empty();
                }
            }
        }
        if pieces.is_empty() {
            parse_pieces(mac.tokens.clone(), 0, &mut pieces);
        }
        if pieces.is_empty() {
            self.out.opaque += 1;
            return;
        }
        self.depth += 1;
        if expanded {
            self.expanding.push(name.clone());
        }
        for p in &pieces {
            match p {
                Piece::Exprs(es) => es.iter().for_each(|e| self.visit_expr(e)),
                Piece::Stmts(ss) => ss.iter().for_each(|s| self.visit_stmt(s)),
                Piece::Items(is) => is.iter().for_each(|i| self.visit_item(i)),
            }
        }
        if expanded {
            self.expanding.pop();
        }
        self.depth -= 1;
        let i = self.out.bodies.len();
        self.out.bodies.push(pieces);
        self.out.index.insert(MacroBodies::key(mac), i);
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.add(mac);
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        if !m.mac.path.is_ident("macro_rules") {
            self.add(&m.mac);
        }
        visit::visit_item_macro(self, m);
    }

    // Test items are not visited unless asked: skip their macros too.
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if self.tests || !crate::source::visit::is_test_item(&f.attrs) {
            visit::visit_item_fn(self, f);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if self.tests || !crate::source::visit::is_test_item(&f.attrs) {
            visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if self.tests || !crate::source::visit::is_test_item(&m.attrs) {
            visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if self.tests || !crate::source::visit::is_test_item(&i.attrs) {
            visit::visit_item_impl(self, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(src: &str) -> (MacroBodies, syn::File) {
        let file = syn::parse_file(src).unwrap();
        (MacroBodies::collect(&file, false), file)
    }

    #[test]
    fn wrapper_macro_groups_parse_as_statements() {
        let (m, _) =
            pieces("fn f() { with_conn! { conn => { let n = conn.execute(\"x\", []); n } } }");
        assert_eq!(m.bodies.len(), 1);
        assert!(matches!(m.bodies[0][0], Piece::Stmts(_)));
        assert_eq!(m.opaque, 0);
    }

    #[test]
    fn simple_macro_rules_expand_to_items() {
        let (m, _) = pieces(
            "macro_rules! getter { ($name:ident, $t:ident) => { pub fn $name(c: &C) { c.query($t) } }; }\n\
             getter!(get_user, USERS);",
        );
        let items = m.bodies.iter().flatten().find_map(|p| match p {
            Piece::Items(i) => Some(i),
            _ => None,
        });
        let Some(Item::Fn(f)) = items.and_then(|i| i.first()) else {
            panic!("no fn expanded");
        };
        assert_eq!(f.sig.ident, "get_user");
    }

    #[test]
    fn repetitions_are_not_expanded_and_junk_is_counted() {
        let (m, _) = pieces(
            "macro_rules! many { ($($x:expr),*) => { $(f($x);)* }; }\nfn g() { many!(1, 2); weird!(=> => ;;); }",
        );
        assert!(m.bodies.iter().all(|b| !b.is_empty()));
        assert_eq!(m.opaque, 1);
    }
}
