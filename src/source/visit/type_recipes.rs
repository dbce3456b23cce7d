//! The visit's type recipes: what each local is, as plain data for the
//! resolution pass.

use super::*;

impl<'ast> FileVisitor<'ast, '_> {
    // ---- types ----------------------------------------------------------

    /// A written type, resolved through the imports and the generics in scope.
    pub(super) fn ty(&self, t: &Type) -> Option<Ty> {
        let g = self.generics.last()?;
        types::ty_of(t, &self.imports, g)
    }

    /// The recipe for an expression's type, when anything is known about it.
    pub(super) fn ty_expr(&self, e: &Expr, depth: usize) -> Option<TyExpr> {
        if depth > 6 {
            return None;
        }
        let boxed = |x: TyExpr| Box::new(x);
        match e {
            Expr::Paren(p) => self.ty_expr(&p.expr, depth),
            Expr::Group(g) => self.ty_expr(&g.expr, depth),
            Expr::Reference(r) => self.ty_expr(&r.expr, depth),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.ty_expr(&u.expr, depth),
            // An `async fn`'s return type is recorded as its output already.
            Expr::Await(a) => self.ty_expr(&a.base, depth),
            Expr::Try(t) => Some(TyExpr::Peel(boxed(self.ty_expr(&t.expr, depth + 1)?))),
            Expr::Path(p) if p.qself.is_none() => {
                if let Some(id) = p.path.get_ident() {
                    let name = id.to_string();
                    if name == "self" {
                        // The impl's type with its generic arguments, or
                        // `dyn Trait` in a trait's default method.
                        self.impl_ty.last().cloned().flatten()?;
                        let s = self.generics.last()?.get("Self")?.first()?;
                        return Some(TyExpr::Known(s.clone()));
                    }
                    return self.scopes.last()?.tys.get(&name).cloned();
                }
                None
            }
            Expr::Field(f) => {
                let member = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                let base = self.ty_expr(&f.base, depth + 1)?;
                Some(match &f.member {
                    syn::Member::Unnamed(i) => TyExpr::TupleField(boxed(base), i.index as usize),
                    syn::Member::Named(_) => TyExpr::Field(boxed(base), member),
                })
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                let base = self.ty_expr(&m.receiver, depth + 1)?;
                Some(match name.as_str() {
                    "unwrap" | "expect" | "unwrap_or_default" | "unwrap_or" | "unwrap_or_else"
                    | "unwrap_unchecked" => TyExpr::Peel(boxed(base)),
                    "clone" | "to_owned" | "as_ref" | "as_mut" | "as_deref" | "as_deref_mut"
                    | "by_ref" | "iter" | "into_iter" | "iter_mut" | "drain" | "rev" | "skip"
                    | "take" | "cloned" | "copied" | "filter" | "peekable" | "fuse"
                    | "into_stream" | "sorted" | "dedup" | "unique" | "skip_while"
                    | "take_while" | "collect" | "to_vec" => base,
                    _ => TyExpr::Method(boxed(base), name),
                })
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let segs: Vec<String> = types::segments(&p.path);
                // `Some(x)`, `Ok(x)`, `Box::new(x)`, `Arc::new(x)` hold `x`.
                let last = segs.last()?.as_str();
                if matches!(last, "Some" | "Ok")
                    || (segs.len() == 2
                        && matches!(
                            segs[0].as_str(),
                            "Box" | "Arc" | "Rc" | "Mutex" | "RwLock" | "RefCell"
                        )
                        && last == "new")
                {
                    return self.ty_expr(c.args.first()?, depth + 1);
                }
                let path = if segs.len() >= 2 && segs[0] == "Self" {
                    let owner = self.impl_ty.last().cloned().flatten()?;
                    format!("{owner}::{}", segs[1..].join("::"))
                } else {
                    self.imports.resolve_path(&segs)
                };
                Some(TyExpr::Call(path))
            }
            Expr::Struct(st) => {
                let segs: Vec<String> = types::segments(&st.path);
                if segs.len() == 1 && segs[0] == "Self" {
                    let owner = self.impl_ty.last().cloned().flatten()?;
                    return Some(TyExpr::Known(Ty::named(owner)));
                }
                Some(TyExpr::Known(Ty::named(self.imports.resolve_path(&segs))))
            }
            Expr::Cast(c) => self.ty(&c.ty).map(TyExpr::Known),
            _ => None,
        }
    }

    /// Is the receiver a local whose written type is a collection?
    pub(super) fn known_collection(&self, e: &Expr) -> bool {
        matches!(
            self.ty_expr(e, 0),
            Some(TyExpr::Known(t)) if t.element().is_some() && t.name() != "Option"
        )
    }

    /// Binds the names of a pattern to the parts of a value of type `ty`.
    pub(super) fn bind_pattern(&mut self, pat: &Pat, ty: Option<TyExpr>) {
        match pat {
            Pat::Ident(pi) => {
                let name = pi.ident.to_string();
                let scope = self.scope();
                match ty {
                    Some(t) if t.depth() <= 12 => {
                        scope.tys.insert(name, t);
                    }
                    _ => {
                        scope.tys.remove(&name);
                    }
                }
                if let Some((_, sub)) = &pi.subpat {
                    self.bind_pattern(sub, None);
                }
            }
            Pat::Type(pt) => {
                let written = self.ty(&pt.ty).filter(|t| !mentions_infer(t));
                self.bind_pattern(&pt.pat, written.map(TyExpr::Known).or(ty));
            }
            Pat::Reference(r) => self.bind_pattern(&r.pat, ty),
            Pat::Paren(p) => self.bind_pattern(&p.pat, ty),
            Pat::Tuple(t) => {
                for (i, p) in t.elems.iter().enumerate() {
                    let part = ty.clone().map(|t| TyExpr::TupleField(Box::new(t), i));
                    self.bind_pattern(p, part);
                }
            }
            // `Some(x)`, `Ok(x)`: what the option or result holds.
            Pat::TupleStruct(ts)
                if ts.elems.len() == 1
                    && ts
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| matches!(s.ident.to_string().as_str(), "Some" | "Ok")) =>
            {
                let inner = ty.map(|t| TyExpr::Peel(Box::new(t)));
                self.bind_pattern(&ts.elems[0], inner);
            }
            _ => {
                let mut names = Vec::new();
                pat_names(pat, &mut names);
                let scope = self.scope();
                for n in names {
                    scope.tys.remove(&n);
                }
            }
        }
    }
}

/// Does a written type leave a part to inference (`Vec<_>`)?
pub(super) fn mentions_infer(t: &Ty) -> bool {
    t.path == "_" || t.args.iter().any(mentions_infer)
}

/// A written type that may have methods of the workspace's own: a trait
/// object or generic, or a type named without a crate path that is not a
/// collection.
pub(super) fn workspace_like(t: &Ty) -> bool {
    t.is_dyn()
        || (t.root().is_none()
            && t.path.starts_with(|c: char| c.is_ascii_uppercase())
            && t.element().is_none()
            && !matches!(t.path.as_str(), "String" | "Path" | "PathBuf" | "Mutex"))
}
