//! Recognition: receiver chains, the ORM specs' execute and sink shapes,
//! and the records of database calls and of calls into the workspace.

use super::*;

impl<'ast> FileVisitor<'ast, '_> {
    // ---- chains -------------------------------------------------------

    pub(super) fn chain(&self, e: &'ast Expr) -> Chain<'ast> {
        let mut c = Chain::default();
        self.walk_chain(e, &mut c, 0);
        c
    }

    pub(super) fn walk_chain(&self, e: &'ast Expr, c: &mut Chain<'ast>, depth: usize) {
        if depth > 24 {
            return;
        }
        match unwrap_expr(e) {
            Expr::MethodCall(m) => {
                c.tokens.push(m.method.to_string());
                c.nodes.push(unwrap_expr(e));
                self.walk_chain(&m.receiver, c, depth + 1);
            }
            Expr::Call(call) => {
                if let Expr::Path(p) = &*call.func {
                    let full = path_string(&p.path);
                    c.tokens
                        .extend(p.path.segments.iter().map(|s| s.ident.to_string()));
                    c.tokens.push(full);
                }
                c.nodes.push(unwrap_expr(e));
                for a in &call.args {
                    match unwrap_expr(a) {
                        Expr::Path(p) => {
                            c.tokens
                                .extend(p.path.segments.iter().map(|s| s.ident.to_string()));
                        }
                        // `all_joins(post::table.find(id).into_boxed())`: the
                        // query is built in the argument; keep its tokens.
                        arg @ Expr::MethodCall(_) if depth < 12 => {
                            let mut sub = Chain::default();
                            self.walk_chain(arg, &mut sub, depth + 2);
                            c.tokens.extend(sub.tokens);
                        }
                        _ => {}
                    }
                }
            }
            Expr::Macro(m) => {
                // `try!(x)` is `x?` of Rust 2015.
                if macro_name(&m.mac) == "try" {
                    if let Some([Piece::Exprs(es)]) = self.macros.get(&m.mac) {
                        if let [inner] = es.as_slice() {
                            self.walk_chain(inner, c, depth + 1);
                            return;
                        }
                    }
                }
                c.tokens.push(format!("{}!", macro_name(&m.mac)));
                c.nodes.push(unwrap_expr(e));
            }
            Expr::Path(p) => {
                if p.path.segments.len() == 1 {
                    let name = p.path.segments[0].ident.to_string();
                    if let Some(bound) = self.lookup(&name) {
                        // The latest binding that is not built on the variable
                        // itself (`q = q.bind(x)` keeps `q`'s query).
                        let origin = bound
                            .iter()
                            .rev()
                            .find(|b| root_ident(b).as_deref() != Some(name.as_str()));
                        if let Some(origin) = origin {
                            if depth < 8 {
                                self.walk_chain(origin, c, depth + 4);
                                return;
                            }
                        }
                    }
                    if let Some(t) = self.scopes.last().and_then(|s| s.types.get(&name)) {
                        c.tokens.push(t.clone());
                    }
                    c.root_name.get_or_insert(name.clone());
                    c.tokens.push(name);
                } else {
                    c.tokens
                        .extend(p.path.segments.iter().map(|s| s.ident.to_string()));
                    c.tokens.push(path_string(&p.path));
                }
            }
            Expr::Field(f) => {
                if let syn::Member::Named(n) = &f.member {
                    c.root_name.get_or_insert(n.to_string());
                    c.tokens.push(n.to_string());
                }
            }
            _ => {}
        }
    }

    /// Name of the first argument's root variable (`&mut conn` → `conn`).
    pub(super) fn arg_name(e: &Expr) -> Option<String> {
        match unwrap_expr(e) {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => Some(n.to_string()),
                _ => None,
            },
            Expr::MethodCall(m) => Self::arg_name(&m.receiver),
            _ => None,
        }
    }

    /// Is the receiver an iterator, collection or stream (not `Option`/`Result`)?
    pub(super) fn is_iterish(&self, e: &'ast Expr, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        match unwrap_expr(e) {
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if ITER_SOURCES.contains(&name.as_str()) {
                    return true;
                }
                if ITER_PASS.contains(&name.as_str()) {
                    return self.is_iterish(&m.receiver, depth + 1);
                }
                false
            }
            Expr::Call(call) => match &*call.func {
                Expr::Path(p) => {
                    p.path.segments.len() >= 2
                        && p.path
                            .segments
                            .last()
                            .is_some_and(|s| ITER_FUNCTIONS.contains(&s.ident.to_string().as_str()))
                }
                _ => false,
            },
            Expr::Range(_) => true,
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                match self.lookup(&name).and_then(|b| b.last()) {
                    Some(bound) if depth < 8 => self.is_iterish(bound, depth + 4),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    // ---- recognition ----------------------------------------------------

    /// Does this call match an execute spec? `sql_arg` is the argument the
    /// spec says carries SQL text, when it has one.
    pub(super) fn exec_matches(
        &self,
        spec: &ExecSpec,
        chain: &Chain<'_>,
        nargs: usize,
        first_arg: Option<&'ast Expr>,
        sql_arg: Option<&'ast Expr>,
    ) -> Option<Evidence> {
        if !self.exec_fits(spec, nargs, sql_arg) {
            return None;
        }
        if let Some(a) = sql_arg {
            // SQL literal as the argument: a database call whatever the receiver.
            if self.const_text(a, 0).is_some_and(|t| {
                sql_operation(&t).is_some_and(|op| op != Operation::Other) || looks_like_sql(&t)
            }) {
                return Some(Evidence::Shape);
            }
        }
        let constrained = !spec.chain.is_empty()
            || !spec.receivers.is_empty()
            || !spec.argnames.is_empty()
            || !spec.types.is_empty();
        if !constrained {
            return Some(Evidence::Shape);
        }
        if !spec.chain.is_empty() && chain.has(&spec.chain) {
            return Some(Evidence::Shape);
        }
        if let Some(root) = &chain.root_name {
            if chain.nodes.is_empty() {
                // A bare receiver (`conn.execute`), not a chain built on it.
                if !spec.receivers.is_empty() && name_matches(root, &spec.receivers) {
                    return Some(Evidence::Name);
                }
                if chain.tokens.iter().any(|t| spec.types.contains(t)) {
                    return Some(Evidence::Name);
                }
            }
        }
        // A local bound to the handle a type of the ORM makes
        // (`let conn = PgConnection::establish(url)?; conn.execute(..)`).
        if !spec.types.is_empty() && self.makes_handle(chain, &spec.types) {
            return Some(Evidence::Name);
        }
        if !spec.argnames.is_empty() {
            if let Some(name) = first_arg.and_then(Self::arg_name) {
                if name_matches(&name, &spec.argnames) {
                    return Some(Evidence::ArgName);
                }
            }
        }
        None
    }

    /// Is the chain a handle made by one of `types` (`Connection::open(p)`,
    /// `PgConnection::establish(url).unwrap()`), nothing more?
    fn makes_handle(&self, chain: &Chain<'_>, types: &[String]) -> bool {
        let mut made = false;
        for n in &chain.nodes {
            match n {
                Expr::MethodCall(m)
                    if matches!(
                        m.method.to_string().as_str(),
                        "unwrap" | "expect" | "unwrap_or_else"
                    ) => {}
                // `PgConnection::establish(..)`: the type right before
                // the function.
                Expr::Call(c) => match &*c.func {
                    Expr::Path(p)
                        if p.path.segments.len() >= 2
                            && types.iter().any(|t| {
                                p.path.segments[p.path.segments.len() - 2].ident == t.as_str()
                            }) =>
                    {
                        made = true
                    }
                    _ => return false,
                },
                _ => return false,
            }
        }
        made
    }

    /// Do the arguments fit the spec (count, and text where it takes SQL)?
    pub(super) fn exec_fits(
        &self,
        spec: &ExecSpec,
        nargs: usize,
        sql_arg: Option<&'ast Expr>,
    ) -> bool {
        if !spec.args.is_empty() && !spec.args.contains(&nargs) {
            return false;
        }
        if spec.sql_arg.is_some() {
            // A driver call takes text: not an array, tuple or closure
            // (a house `execute(&[stmts])` trait method is not a sink).
            return sql_arg.is_some_and(|a| self.may_be_text(a));
        }
        true
    }

    /// Could this argument be SQL text (as opposed to an array of
    /// statements, a tuple of params or a closure)?
    pub(super) fn may_be_text(&self, e: &Expr) -> bool {
        match unwrap_expr(e) {
            Expr::Array(_) | Expr::Tuple(_) | Expr::Closure(_) | Expr::Repeat(_) => false,
            Expr::Lit(l) => matches!(l.lit, Lit::Str(_)),
            Expr::Macro(m) => !matches!(
                macro_name(&m.mac).as_str(),
                "vec" | "params" | "named_params"
            ),
            Expr::MethodCall(m) => !matches!(
                m.method.to_string().as_str(),
                "into_iter" | "iter" | "map" | "collect" | "chain" | "len" | "count"
            ),
            _ => true,
        }
    }

    /// Does the call in a loop pass something that changes per element
    /// into SQL text (the loop variable itself, or text built from it)?
    /// Is the expression the same on every turn of the loops around it?
    /// Only when every name it uses (through the locals it is built from)
    /// is no loop variable and no local that may change from turn to turn
    /// (bound in the loop, or `mut`): a builder filled by later statements
    /// (`q.push_bind(x.id)`) is not.
    pub(super) fn loop_invariant(&self, e: &Expr, depth: usize) -> bool {
        if self.loops.is_empty() || depth > 4 {
            return false;
        }
        let Some(scope) = self.scopes.last() else {
            return false;
        };
        let mut names = Vec::new();
        collect_names(e, &mut names);
        // Known to stay put: a parameter, `self`, a constant, or a local
        // bound before the loops from such names. Anything else (a loop
        // variable, a name a `match` or `if let` binds) may change.
        names.iter().all(|n| {
            if n == "self" || is_screaming(n) || self.consts.contains(n) {
                return true;
            }
            if scope.unstable.contains(n) {
                return false;
            }
            match self.lookup(n) {
                Some(b) => b.iter().all(|x| self.loop_invariant(x, depth + 1)),
                None => scope.params.contains(n),
            }
        })
    }

    pub(super) fn mentions_loop_var(&self, e: &Expr, depth: usize) -> bool {
        let vars: Vec<&String> = self.loops.iter().flat_map(|l| l.vars.iter()).collect();
        if vars.is_empty() || depth > 4 {
            return false;
        }
        let mut names = Vec::new();
        collect_names(e, &mut names);
        names.iter().any(|n| {
            vars.contains(&n)
                || self
                    .lookup(n)
                    .is_some_and(|b| b.iter().any(|x| self.mentions_loop_var(x, depth + 1)))
        })
    }

    pub(super) fn operation_from(
        &self,
        spec: &ExecSpec,
        method: &str,
        chain: &Chain<'_>,
        sql: Option<&str>,
    ) -> Operation {
        if let Some(sql) = sql {
            if let Some(op) = sql_operation(sql) {
                return op;
            }
        }
        if chain.has_str(&[
            "insert_into",
            "insert_or_ignore_into",
            "replace_into",
            "insert_many",
            "insert",
        ]) {
            return Operation::Insert;
        }
        if chain.has_str(&["update", "update_many"]) {
            return Operation::Update;
        }
        if chain.has_str(&["delete", "delete_many", "delete_by_id"]) {
            return Operation::Delete;
        }
        if chain.has_str(&["sql_query", "raw_sql", "from_raw_sql"]) {
            return Operation::Raw;
        }
        // ActiveModel-style calls name the write themselves: `model.insert(db)`.
        if spec.operation.as_deref() == Some("other") {
            match method {
                "insert" | "insert_many" => return Operation::Insert,
                "update" | "save" | "update_many" => return Operation::Update,
                "delete" | "delete_many" => return Operation::Delete,
                _ => {}
            }
        }
        parse_operation(spec.operation.as_deref())
    }

    pub(super) fn tables_from(chain: &Chain<'_>) -> Vec<String> {
        let mut out = Vec::new();
        let t = &chain.tokens;
        for (i, tok) in t.iter().enumerate() {
            if i == 0 {
                continue;
            }
            let prev = &t[i - 1];
            let is_name = |s: &str| {
                !s.contains("::")
                    && s != "crate"
                    && s != "super"
                    && s != "self"
                    && s != "schema"
                    && s != "dsl"
            };
            if (tok == "table" || tok == "Entity") && is_name(prev) {
                out.push(prev.clone());
            }
            if matches!(
                tok.as_str(),
                "find"
                    | "find_by_id"
                    | "belonging_to"
                    | "insert_many"
                    | "delete_many"
                    | "update_many"
            ) && prev.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && is_name(prev)
                && prev != "Entity"
            {
                out.push(prev.clone());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// SQL text in the chain: a literal given to a sink or a `query!` macro.
    pub(super) fn sql_in_chain(&self, chain: &Chain<'ast>, orm: usize) -> Option<String> {
        for node in &chain.nodes {
            match node {
                // A prepared statement carries the text it was prepared with.
                Expr::MethodCall(m)
                    if matches!(
                        m.method.to_string().as_str(),
                        "prepare" | "prepare_cached" | "prepare_typed" | "prep"
                    ) =>
                {
                    if let Some(s) = m.args.first().and_then(|a| self.const_text(a, 0)) {
                        return Some(s);
                    }
                }
                Expr::Macro(m) => {
                    if let Some(args) = macro_args(&m.mac) {
                        if let Some(Expr::Lit(l)) = args.first().map(unwrap_expr) {
                            if let Lit::Str(s) = &l.lit {
                                return Some(s.value());
                            }
                        }
                    }
                }
                Expr::Call(call) => {
                    if let Some(a) = self.sink_arg_in(call, orm) {
                        if let Some(s) = self.const_text(a, 0) {
                            return Some(s);
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The SQL argument of a sink call, or of a sink call passed straight
    /// to this one (`Model::find_by_statement(Statement::from_string(b, sql))`).
    fn sink_arg_in(&self, call: &'ast syn::ExprCall, orm: usize) -> Option<&'ast Expr> {
        if let Some(i) = self.sink_arg_index(&call.func, orm) {
            return call.args.iter().nth(i);
        }
        call.args.iter().find_map(|a| match unwrap_expr(a) {
            Expr::Call(inner) => {
                let i = self.sink_arg_index(&inner.func, orm)?;
                inner.args.iter().nth(i)
            }
            _ => None,
        })
    }

    /// Which argument of this function call carries SQL, if it is a sink of `orm`.
    pub(super) fn sink_arg_index(&self, func: &Expr, orm: usize) -> Option<usize> {
        let Expr::Path(p) = func else { return None };
        let path = path_string(&p.path);
        self.specs[orm].sink.iter().find_map(|s| {
            s.functions
                .iter()
                .any(|f| path_ends_with(&path, f))
                .then_some(if s.first_arg_is_backend {
                    s.arg.max(1)
                } else {
                    s.arg
                })
        })
    }

    /// The text of a constant string expression, when it is one.
    pub(super) fn const_text(&self, e: &'ast Expr, depth: usize) -> Option<String> {
        if depth > 6 {
            return None;
        }
        match unwrap_expr(e) {
            Expr::Lit(l) => match &l.lit {
                Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                let bound = self.lookup(&name)?;
                if bound.len() == 1 {
                    self.const_text(bound[0], depth + 1)
                } else {
                    None
                }
            }
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "to_string" | "to_owned" | "into" | "as_str"
                ) =>
            {
                self.const_text(&m.receiver, depth + 1)
            }
            _ => None,
        }
    }

    pub(super) fn fn_index(&self) -> Option<usize> {
        self.scopes.last().and_then(|s| s.idx)
    }

    /// The SQL argument in a receiver chain: the sink call's text argument
    /// or a `query!`-style macro's first argument.
    pub(super) fn sql_expr_in_chain(&self, chain: &Chain<'ast>, orm: usize) -> Option<&'ast Expr> {
        for node in &chain.nodes {
            match node {
                Expr::Call(call) => {
                    if let Some(a) = self.sink_arg_in(call, orm) {
                        return Some(a);
                    }
                }
                // A prepared statement runs the text it was prepared with.
                Expr::MethodCall(m) if PREPARE_METHODS.contains(&m.method.to_string().as_str()) => {
                    return m.args.first();
                }
                _ => {}
            }
        }
        None
    }

    /// SQL text the caller decides: a parameter of the enclosing fn, or a
    /// value read from one (`let sql = migration.up_sql.as_ref()?`).
    pub(super) fn text_from_param(&self, e: &'ast Expr, depth: usize) -> bool {
        if depth > 6 {
            return false;
        }
        match unwrap_expr(e) {
            Expr::Field(f) => self.text_from_param(&f.base, depth + 1),
            Expr::MethodCall(m) => {
                TEXT_PASSTHROUGH.contains(&m.method.to_string().as_str())
                    && self.text_from_param(&m.receiver, depth + 1)
            }
            Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
                let n = i.to_string();
                match self.lookup(&n) {
                    Some(bound) => {
                        !bound.is_empty()
                            && bound.iter().all(|b| self.text_from_param(b, depth + 1))
                    }
                    None => self.scopes.last().is_some_and(|s| s.params.contains(&n)),
                }
            }),
            _ => false,
        }
    }

    pub(super) fn record_method_call(&mut self, m: &'ast syn::ExprMethodCall, whole: &'ast Expr) {
        let method = m.method.to_string();
        // The receiver's type matters for database methods and for calls
        // worth a record; most method calls are neither.
        let std_name = STD_ONLY.contains(&method.as_str());
        let wanted = self.db_methods.contains(method.as_str()) || !std_name;
        let recv = if wanted {
            self.ty_expr(&m.receiver, 0)
        } else {
            // A std-named method (`contains`, `find`) on a value written to
            // be a trait object or a workspace type is still worth a record.
            match unwrap_expr(&m.receiver) {
                Expr::Path(_) | Expr::Field(_) => self
                    .ty_expr(&m.receiver, 0)
                    .filter(|t| matches!(t, TyExpr::Known(k) if workspace_like(k))),
                _ => None,
            }
        };
        // Most method calls are not database calls: skip the chain walk.
        let chain = if self.db_methods.contains(method.as_str()) {
            self.chain(&m.receiver)
        } else {
            Chain::default()
        };
        let nargs = m.args.len();
        let first = m.args.first();
        for k in 0..self.active.len() {
            let orm = self.active[k];
            let spec = &self.specs[orm];
            // Raw-SQL sink methods (`QueryBuilder::push`, `execute_unprepared`).
            for sink in &spec.sink {
                if sink.methods.contains(&method)
                    && (sink.chain.is_empty() || chain.has(&sink.chain))
                {
                    if let Some(arg) = m.args.iter().nth(sink.arg) {
                        let src = if sink.appends {
                            self.value_source(arg, &method, 0)
                        } else {
                            self.text_source(arg, 0)
                        };
                        let site =
                            self.site(orm, range_of(whole), method.clone(), Operation::Raw, false);
                        self.pending_sql_arg = Some(arg);
                        self.push_site(SiteRaw {
                            sql: self.const_text(arg, 0),
                            raw_sql: Some((range_of(arg), src)),
                            ..site
                        });
                        return;
                    }
                }
            }
            let Some((exec, evidence)) = spec.execute.iter().find_map(|x| {
                if !x.methods.contains(&method) {
                    return None;
                }
                let sql_arg = x.sql_arg.and_then(|i| m.args.iter().nth(i));
                if let Some(ev) = self.exec_matches(x, &chain, nargs, first, sql_arg) {
                    return Some((x, ev));
                }
                // Nothing but the method name: the receiver's type decides later.
                (!x.types.is_empty() && recv.is_some() && self.exec_fits(x, nargs, sql_arg))
                    .then_some((x, Evidence::TypeOnly))
            }) else {
                continue;
            };
            let sql_arg = exec.sql_arg.and_then(|i| m.args.iter().nth(i));
            let sql = sql_arg
                .and_then(|a| self.const_text(a, 0))
                .or_else(|| self.sql_in_chain(&chain, orm));
            let raw_sql = sql_arg.map(|a| (range_of(a), self.text_source(a, 0)));
            let sql_expr = sql_arg.or_else(|| self.sql_expr_in_chain(&chain, orm));
            // The literal parts of SQL built with `format!`, for batching and paging.
            let template = sql
                .clone()
                .or_else(|| sql_expr.and_then(|e| self.format_template(e, 0)));
            let batched = chain.calls_any(&spec.batch.methods)
                || template.as_deref().is_some_and(sql_is_batched)
                || chain.root_name.as_ref().is_some_and(|r| {
                    self.scopes
                        .last()
                        .is_some_and(|s| s.batched_vars.contains(r))
                })
                || self.builder_batched(&m.receiver);
            let paging = chain.has_str(&["limit", "offset", "paginate", "fetch_page", "page"])
                || template
                    .as_deref()
                    .is_some_and(|s| s.to_ascii_lowercase().contains(" limit "));
            let mut tables = Self::tables_from(&chain);
            if let Some(sql) = &sql {
                tables.extend(sql_tables(sql));
                tables.sort();
                tables.dedup();
            }
            let operation = self.operation_from(exec, &method, &chain, sql.as_deref());
            let span = range_of(&m.method).start..range_of(whole).end;
            // The text, or a query builder a function makes from the
            // element (`let mut q = query_from_filter(&filter); q.build()`),
            // differs per element: a statement per element, not one query.
            let built_per_element =
                chain.has_str(&["build", "build_query_as", "build_query_scalar"])
                    && chain.nodes.last().is_some_and(|n| match n {
                        Expr::Call(c) => {
                            self.sink_arg_index(&c.func, orm).is_none()
                                && c.args.iter().any(|a| self.mentions_loop_var(a, 0))
                        }
                        _ => false,
                    });
            let sql_varies = sql.is_none()
                && (sql_expr.is_some_and(|e| self.mentions_loop_var(e, 0)) || built_per_element);
            let sql_param = sql.is_none() && sql_expr.is_some_and(|e| self.text_from_param(e, 0));
            let (derived_sql, constant_columns) =
                if sql.is_none() && matches!(spec.name.as_str(), "diesel" | "sea-orm") {
                    let calls: Vec<&Expr> = chain
                        .nodes
                        .iter()
                        .rev()
                        .copied()
                        .filter(|n| matches!(n, Expr::Call(_) | Expr::MethodCall(_)))
                        .collect();
                    let derived = crate::source::derive::derive(&calls, &method);
                    let constants = match (&derived, self.scopes.last()) {
                        (Some(_), Some(scope)) => {
                            crate::source::derive::constant_columns(&calls, &|n| {
                                scope.types.get(n).is_some_and(|t| t == "bool")
                            })
                        }
                        _ => Vec::new(),
                    };
                    (derived, constants)
                } else {
                    (None, Vec::new())
                };
            let ddl = template.as_deref().is_some_and(is_ddl);
            // `conn.prepare(SQL)?.execute(..)`: one statement, reported at its
            // execution; the `prepare` in the same chain is not a second query.
            let recv_span = range_of(&m.receiver);
            if chain.nodes.iter().any(|n| {
                matches!(n, Expr::MethodCall(pm) if PREPARE_METHODS.contains(&pm.method.to_string().as_str()))
                    && recv_span.contains(&range_of(*n).start)
            }) {
                self.facts.sites.retain(|s| {
                    !(PREPARE_METHODS.contains(&s.method.as_str())
                        && recv_span.start <= s.span.start
                        && s.span.end <= recv_span.end)
                });
            }
            let sql_template = if sql.is_none() { template } else { None };
            let site = self.site(orm, span, method.clone(), operation, true);
            let invariant = self.loop_invariant(whole, 0);
            self.pending_sql_arg = sql_arg;
            self.push_site(SiteRaw {
                invariant,
                tables,
                sql,
                raw_sql,
                batched,
                paging,
                sql_varies,
                sql_param,
                derived_sql,
                sql_template,
                constant_columns,
                evidence,
                ddl,
                recv: recv.clone(),
                handle_types: if evidence == Evidence::Shape {
                    Vec::new()
                } else {
                    exec.types.clone()
                },
                ..site
            });
            if evidence == Evidence::Shape {
                return;
            }
            // A name or type match may be another active ORM's call, or a
            // call into the workspace (`repo.execute(..)` on a type of
            // ours): the resolution pass keeps one of them by the
            // receiver's type.
        }
        // Not a database call: maybe a call into another function of the
        // crate. Only plain receivers (`repo.find(..)`, `self.load(..)`), not
        // builder chains, whose methods are setters far more often than not.
        let is_self = matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self"));
        let plain = matches!(unwrap_expr(&m.receiver), Expr::Path(_) | Expr::Field(_));
        // A receiver with a declared type names the impl to look in, so even
        // a common name (`db.append(..)` on `db: &Db`) resolves exactly.
        let typed_owner = match unwrap_expr(&m.receiver) {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.scopes.last()?.types.get(&i.to_string()).cloned()),
            _ => None,
        };
        if is_self
            || typed_owner.is_some()
            || recv.is_some()
            || (plain && !COMMON_METHODS.contains(&method.as_str()))
        {
            let owner = if is_self {
                self.impl_ty.last().cloned().flatten()
            } else {
                typed_owner
            };
            let vary_each: Vec<bool> = m
                .args
                .iter()
                .map(|a| self.mentions_loop_var(a, 0))
                .collect();
            self.push_call(
                CallTarget::Method {
                    owner,
                    name: method,
                },
                range_of(whole),
                nargs,
                vary_each.contains(&true),
            );
            // Anything but a receiver that is the same on every turn.
            let recv_varies = !self.loop_invariant(whole, 0);
            let arg_taints = m.args.iter().map(|a| self.taint_of_arg(a)).collect();
            if let Some(c) = self.facts.calls.last_mut() {
                c.recv = recv;
                c.recv_varies = recv_varies;
                c.arg_taints = arg_taints;
                c.vary_each = vary_each;
            }
        }
    }

    /// Where the dynamic value `what` sits in the SQL text: a value, an
    /// identifier (a table or column name) or a keyword or setting — the
    /// last two are what bind parameters cannot carry.
    pub(super) fn sql_position(&self, e: &'ast Expr, what: &str, depth: usize) -> SqlPosition {
        if depth > 4 {
            return SqlPosition::Value;
        }
        match unwrap_expr(e) {
            Expr::Macro(m) if matches!(macro_name(&m.mac).as_str(), "format" | "format_args") => {
                let Some(args) = macro_args(&m.mac) else {
                    return SqlPosition::Value;
                };
                let Some(Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(fmt), ..
                })) = args.first()
                else {
                    return SqlPosition::Value;
                };
                let positional: Vec<String> = args[1..]
                    .iter()
                    .filter(|a| !matches!(a, Expr::Assign(_)))
                    .map(|a| self.src(&range_of(a)))
                    .collect();
                let names = |arg: &str| self.names_value(arg, what, 0);
                placeholder_contexts(&fmt.value())
                    .into_iter()
                    .filter(|(key, _)| {
                        names(key)
                            || key
                                .parse::<usize>()
                                .ok()
                                .and_then(|i| positional.get(i))
                                .is_some_and(|p| names(p))
                    })
                    .map(|(_, position)| position)
                    .find(|p| !p.is_value())
                    .unwrap_or_default()
            }
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| {
                    self.lookup(&i.to_string()).and_then(|b| {
                        b.iter()
                            .map(|x| self.sql_position(x, what, depth + 1))
                            .find(|p| !p.is_value())
                    })
                })
                .unwrap_or_default(),
            Expr::MethodCall(m) => self.sql_position(&m.receiver, what, depth + 1),
            _ => SqlPosition::Value,
        }
    }

    /// Is the placeholder argument `arg` the value `what`, or a local
    /// bound to it (`let (database, url) = split(..)` names the call;
    /// `let t = t.unwrap_or_default()` the `t` before)?
    fn names_value(&self, arg: &str, what: &str, depth: usize) -> bool {
        // `name` or a method of it (`name.replace('"', "\"\"")`).
        if arg == what || arg.strip_prefix(what).is_some_and(|r| r.starts_with('.')) {
            return true;
        }
        if depth > 3 {
            return false;
        }
        self.lookup(arg).is_some_and(|b| {
            b.iter().any(|x| {
                self.src(&range_of(unwrap_expr(x))) == what
                    || root_ident(x)
                        .is_some_and(|r| r != arg && self.names_value(&r, what, depth + 1))
            })
        })
    }

    /// The format string of SQL built with `format!` (directly, through a
    /// `let`, or wrapped in a call like `AssertSqlSafe(format!(..))`).
    pub(super) fn format_template(&self, e: &'ast Expr, depth: usize) -> Option<String> {
        if depth > 4 {
            return None;
        }
        match unwrap_expr(e) {
            Expr::Macro(m) if matches!(macro_name(&m.mac).as_str(), "format" | "format_args") => {
                match macro_args(&m.mac)?.first()? {
                    Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(s), ..
                    }) => Some(s.value()),
                    _ => None,
                }
            }
            Expr::Call(c) if c.args.len() == 1 => self.format_template(&c.args[0], depth + 1),
            Expr::MethodCall(m) => self.format_template(&m.receiver, depth + 1),
            Expr::Path(p) => {
                let name = p.path.get_ident()?.to_string();
                let bound = self.lookup(&name)?;
                bound
                    .iter()
                    .find_map(|b| self.format_template(b, depth + 1))
            }
            _ => None,
        }
    }

    /// A `QueryBuilder` receiver that had rows pushed in bulk before the call.
    pub(super) fn builder_batched(&self, receiver: &Expr) -> bool {
        let mut e = unwrap_expr(receiver);
        while let Expr::MethodCall(m) = e {
            e = unwrap_expr(&m.receiver);
        }
        match e {
            Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
                self.scopes
                    .last()
                    .is_some_and(|s| s.batched_vars.contains(&i.to_string()))
            }),
            _ => false,
        }
    }

    /// A site with the defaults every constructor shares.
    pub(super) fn site(
        &self,
        orm: usize,
        span: Range<usize>,
        method: String,
        operation: Operation,
        executes: bool,
    ) -> SiteRaw {
        SiteRaw {
            span,
            orm,
            method,
            operation,
            tables: Vec::new(),
            sql: None,
            raw_sql: None,
            loops: Vec::new(),
            func: None,
            executes,
            batched: false,
            paging: false,
            sql_varies: false,
            sql_param: false,
            sequential: false,
            sql_position: Default::default(),
            derived_sql: None,
            sql_template: None,
            constant_columns: Vec::new(),
            once: false,
            evidence: Evidence::Shape,
            recv: None,
            handle_types: Vec::new(),
            in_test: false,
            ddl: false,
            memo: false,
            raw_ty: None,
            invariant: false,
            on_error: false,
            conditional: false,
        }
    }

    /// Is a bare function name (`query(..)`) imported from the ORM's crate?
    pub(super) fn imports_name(&self, orm: usize, name: &str) -> bool {
        self.specs[orm].crates.iter().any(|c| {
            let direct = format!("{c}::{name}");
            if self.text.contains(&direct) {
                return true;
            }
            // `use sqlx::{query, PgPool};`
            let group = format!("{c}::{{");
            let mut from = 0;
            while let Some(i) = self.text[from..].find(&group) {
                let start = from + i + group.len();
                let end = self.text[start..]
                    .find('}')
                    .map_or(self.text.len(), |j| start + j);
                if self.text[start..end].split(',').any(|item| {
                    item.trim() == name || item.trim().starts_with(&format!("{name} as "))
                }) {
                    return true;
                }
                from = end;
            }
            false
        })
    }

    pub(super) fn record_call(&mut self, call: &'ast syn::ExprCall, whole: &'ast Expr) {
        let Expr::Path(p) = &*call.func else { return };
        let path = path_string(&p.path);
        let bare = p.path.segments.len() == 1;
        let last = last_ident(&p.path);
        let maybe_db = self.db_functions.contains(last.as_str());
        for k in 0..self.active.len() {
            if !maybe_db {
                break;
            }
            let orm = self.active[k];
            let spec = &self.specs[orm];
            if let Some(i) = self.sink_arg_index(&call.func, orm) {
                if bare && !spec.crates.is_empty() && !self.imports_name(orm, &path) {
                    continue;
                }
                if let Some(arg) = call.args.iter().nth(i) {
                    let src = self.text_source(arg, 0);
                    let sql = self.const_text(arg, 0);
                    let op = sql
                        .as_deref()
                        .and_then(sql_operation)
                        .unwrap_or(Operation::Raw);
                    let site = self.site(orm, range_of(whole), path.clone(), op, false);
                    self.pending_sql_arg = Some(arg);
                    self.push_site(SiteRaw {
                        tables: sql.as_deref().map(sql_tables).unwrap_or_default(),
                        sql,
                        raw_sql: Some((range_of(arg), src)),
                        ..site
                    });
                    return;
                }
            }
            // User-taught wrapper functions.
            if let Some(exec) = spec
                .execute
                .iter()
                .find(|x| x.functions.iter().any(|f| path_ends_with(&path, f)))
            {
                let sql_arg = exec.sql_arg.and_then(|i| call.args.iter().nth(i));
                let sql = sql_arg.and_then(|a| self.const_text(a, 0));
                let raw_sql = sql_arg.map(|a| (range_of(a), self.text_source(a, 0)));
                let op = sql
                    .as_deref()
                    .and_then(sql_operation)
                    .unwrap_or_else(|| parse_operation(exec.operation.as_deref()));
                let sql_varies =
                    sql.is_none() && sql_arg.is_some_and(|a| self.mentions_loop_var(a, 0));
                let site = self.site(orm, range_of(whole), path.clone(), op, true);
                self.pending_sql_arg = sql_arg;
                self.push_site(SiteRaw {
                    tables: sql.as_deref().map(sql_tables).unwrap_or_default(),
                    batched: sql.as_deref().is_some_and(sql_is_batched),
                    sql,
                    raw_sql,
                    sql_varies,
                    ..site
                });
                return;
            }
        }
        let written: Vec<String> = types::segments(&p.path);
        // Through the imports: `use crate::repo::fetch as lookup` makes
        // `lookup(..)` a call of `fetch`, `Store::open` one of `Repo::open`.
        let segs: Vec<String> = if written.first().is_some_and(|f| f == "Self") {
            written
        } else {
            self.imports
                .resolve_path(&written)
                .split("::")
                .map(str::to_string)
                .collect()
        };
        let Some(name) = segs.last().cloned() else {
            return;
        };
        let target = if segs.len() >= 2 {
            let owner = &segs[segs.len() - 2];
            if owner == "Self" {
                CallTarget::Method {
                    owner: self.impl_ty.last().cloned().flatten(),
                    name,
                }
            } else if owner.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                CallTarget::Method {
                    owner: Some(owner.clone()),
                    name,
                }
            } else {
                CallTarget::Free(name)
            }
        } else {
            CallTarget::Free(name)
        };
        let varies = !self.loop_invariant(whole, 0);
        let arg_taints = call.args.iter().map(|a| self.taint_of_arg(a)).collect();
        let vary_each: Vec<bool> = call
            .args
            .iter()
            .map(|a| self.mentions_loop_var(a, 0))
            .collect();
        self.push_call(
            target,
            range_of(whole),
            call.args.len(),
            vary_each.contains(&true),
        );
        if let Some(c) = self.facts.calls.last_mut() {
            c.recv_varies = varies;
            c.arg_taints = arg_taints;
            c.vary_each = vary_each;
        }
    }

    pub(super) fn push_site(&mut self, mut site: SiteRaw) {
        site.once = self.diverging > 0;
        site.memo = self.memo > 0;
        site.on_error = self.on_error > 0;
        site.conditional = self.branch > 0;
        if let Some((_, TextSource::Dynamic { what, at, .. })) = &site.raw_sql {
            site.sql_position = self
                .pending_sql_arg
                .map(|a| self.sql_position(a, what, 0))
                .unwrap_or_default();
            site.raw_ty = self
                .dyn_values
                .borrow()
                .iter()
                .rev()
                .find(|(r, _)| r == at)
                .map(|(_, t)| t.clone());
        }
        site.loops = self.loops.clone();
        site.in_test = self.test_depth > 0;
        site.func = self.fn_index();
        site.sequential = self.sequential > 0;
        self.facts.sites.push(site);
    }

    pub(super) fn push_call(
        &mut self,
        target: CallTarget,
        span: Range<usize>,
        args: usize,
        args_vary: bool,
    ) {
        self.facts.calls.push(CallRaw {
            caller: self.fn_index(),
            target,
            span,
            loops: self.loops.clone(),
            args,
            args_vary,
            sequential: self.sequential > 0,
            once: self.diverging > 0,
            on_error: self.on_error > 0,
            conditional: self.branch > 0,
            memo: self.memo > 0,
            recv: None,
            in_test: self.test_depth > 0,
            recv_varies: false,
            arg_taints: Vec::new(),
            vary_each: Vec::new(),
        });
    }
}

/// Does SQL text (or a `format!` template of it) start with DDL?
pub(super) fn is_ddl(sql: &str) -> bool {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    // Schema work, and transaction or session control (`ROLLBACK
    // PREPARED 'gid'`, `XA ROLLBACK`, `SAVEPOINT`, `SET`): one statement
    // per thing by nature, with no batched form.
    matches!(
        first.as_str(),
        "CREATE"
            | "DROP"
            | "ALTER"
            | "TRUNCATE"
            | "VACUUM"
            | "REINDEX"
            | "ROLLBACK"
            | "COMMIT"
            | "BEGIN"
            | "SAVEPOINT"
            | "RELEASE"
            | "XA"
            | "PREPARE"
            | "SET"
            | "LISTEN"
            | "UNLISTEN"
            | "ANALYZE"
    )
}

/// The single-identifier names an expression uses as values (not the
/// functions it calls), with the names a format string captures inline
/// (`format!("{id}")`) and every identifier in a macro whose arguments do
/// not parse (`named_params! { ":id": &key }`).
fn collect_names(e: &Expr, out: &mut Vec<String>) {
    struct Find<'o>(&'o mut Vec<String>);
    impl<'x> Visit<'x> for Find<'_> {
        fn visit_path(&mut self, p: &'x syn::Path) {
            if let Some(i) = p.get_ident() {
                self.0.push(i.to_string());
            }
        }
        fn visit_expr_call(&mut self, c: &'x syn::ExprCall) {
            if !matches!(&*c.func, Expr::Path(_)) {
                self.visit_expr(&c.func);
            }
            c.args.iter().for_each(|a| self.visit_expr(a));
        }
        fn visit_macro(&mut self, m: &'x syn::Macro) {
            match macro_args(m) {
                Some(args) => {
                    for a in &args {
                        if let Expr::Lit(syn::ExprLit {
                            lit: Lit::Str(s), ..
                        }) = a
                        {
                            self.0.extend(inline_captures(&s.value()));
                        }
                        self.visit_expr(a);
                    }
                }
                None => idents(m.tokens.clone(), self.0),
            }
        }
    }
    fn idents(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
        for t in tokens {
            match t {
                proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
                proc_macro2::TokenTree::Group(g) => idents(g.stream(), out),
                _ => {}
            }
        }
    }
    Find(out).visit_expr(e);
}

/// Methods that hand a value's text on unchanged (`opt.as_ref().ok_or(e)?`).
const TEXT_PASSTHROUGH: &[&str] = &[
    "as_ref",
    "as_str",
    "as_deref",
    "ok_or",
    "ok_or_else",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "clone",
    "to_string",
    "to_owned",
    "borrow",
    "as_slice",
];

/// Methods that prepare a statement for later execution.
pub(super) const PREPARE_METHODS: &[&str] = &["prepare", "prepare_cached", "prepare_typed", "prep"];
