//! Throughput of the fingerprint over a realistic statement mix.
//! Run: `cargo bench --bench fingerprint`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ormlint::sql::fingerprint::Fingerprinter;
use std::hint::black_box;

/// Deterministic statement mix modelled on ORM traffic (PostgreSQL and MySQL).
fn statement_mix() -> Vec<String> {
    let mut v = Vec::new();
    for i in 0..40u32 {
        // 1. ActiveRecord/Diesel-style SELECT with joins and many quoted columns ($n params).
        v.push(String::from(
            "SELECT \"orders\".\"id\", \"orders\".\"user_id\", \"orders\".\"status\", \"orders\".\"total_cents\", \
             \"orders\".\"currency\", \"orders\".\"created_at\", \"orders\".\"updated_at\", \"users\".\"email\", \
             \"users\".\"name\", \"addresses\".\"city\", \"addresses\".\"country_code\" FROM \"orders\" \
             INNER JOIN \"users\" ON \"users\".\"id\" = \"orders\".\"user_id\" \
             LEFT OUTER JOIN \"addresses\" ON \"addresses\".\"id\" = \"users\".\"address_id\" \
             WHERE \"orders\".\"status\" = $1 AND \"orders\".\"created_at\" >= $2 AND \"users\".\"deleted_at\" IS NULL \
             ORDER BY \"orders\".\"created_at\" DESC LIMIT $3 OFFSET $4",
        ));
        // 2. Same with inline literals and a sqlcommenter comment (Django/Rails style).
        v.push(format!(
            "SELECT \"posts\".\"id\", \"posts\".\"title\", \"posts\".\"body\", \"posts\".\"author_id\", \"posts\".\"published_at\" \
             FROM \"posts\" WHERE \"posts\".\"author_id\" = {} AND \"posts\".\"state\" = 'published' \
             ORDER BY \"posts\".\"published_at\" DESC LIMIT 20 \
             /*application='blog',controller='posts',action='index',route='%2Fauthors%2F{}%2Fposts',\
             traceparent='00-5bd66ef5095369c7b0d1f8f4bd3{:05}-c532cb4098ac3dd2-01'*/",
            1000 + i,
            i,
            i
        ));
        // 3. Multi-row INSERT (ORM batch insert) with 25 rows.
        let rows: Vec<String> = (0..25)
            .map(|r| {
                format!(
                    "({}, 'sku-{}-{}', 'Product name number {}', {}.{:02}, TRUE, '2024-03-{:02} 10:{:02}:00', NULL)",
                    i * 100 + r,
                    i,
                    r,
                    r,
                    r * 3 + 1,
                    r % 100,
                    r % 28 + 1,
                    r % 60
                )
            })
            .collect();
        v.push(format!(
            "INSERT INTO line_items (id, sku, name, price, active, created_at, discount) VALUES {}",
            rows.join(", ")
        ));
        // 4. UPDATE with mixed literals.
        v.push(format!(
            "UPDATE accounts SET balance = balance - {}.50, updated_at = '2024-01-{:02} 12:00:00', \
             note = 'transfer #{} ''pending''' WHERE id = {} AND version = {}",
            i + 3,
            i % 28 + 1,
            i,
            i * 7,
            i % 5
        ));
        // 5. Long IN list (N+1 fix via preload).
        let ids: Vec<String> = (0..120).map(|k| (i * 1000 + k * 7).to_string()).collect();
        v.push(format!(
            "SELECT comments.* FROM comments WHERE comments.post_id IN ({}) ORDER BY comments.id",
            ids.join(", ")
        ));
        // 6. MySQL style with backticks, ? params and a hint.
        v.push(format!(
            "SELECT /*+ INDEX(`u` idx_email) */ `u`.`id`, `u`.`email`, `u`.`first_name`, `u`.`last_name`, \
             `p`.`plan` FROM `users` `u` JOIN `plans` `p` ON `p`.`id` = `u`.`plan_id` \
             WHERE `u`.`email` = ? AND `u`.`tenant_id` = ? AND `p`.`active` = 1 LIMIT {}, 50",
            i * 50
        ));
        // 7. PostgreSQL with casts, jsonb operators and ANY.
        v.push(format!(
            "SELECT id, payload->>'kind' AS kind, (payload #>> '{{meta,source}}')::text AS source \
             FROM events WHERE tenant_id = $1::uuid AND created_at > now() - interval '{} hours' \
             AND id = ANY($2::bigint[]) AND payload @> '{{\"v\": {}}}'",
            i % 24 + 1,
            i
        ));
        // 8. Short point lookups (the bulk of N+1 traffic).
        v.push(format!(
            "SELECT * FROM users WHERE id = {} LIMIT 1",
            5000 + i
        ));
        v.push(
            "SELECT \"users\".* FROM \"users\" WHERE \"users\".\"id\" = $1 LIMIT $2 \
             /*controller='users',action='show'*/"
                .to_string(),
        );
        v.push("BEGIN".to_string());
        v.push("COMMIT".to_string());
    }
    v
}

fn bench(c: &mut Criterion) {
    let mix = statement_mix();
    let bytes: usize = mix.iter().map(String::len).sum();
    let mut group = c.benchmark_group("fingerprint");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("orm_mix", |b| {
        let mut fpr = Fingerprinter::new();
        b.iter(|| {
            let mut acc = 0u64;
            for s in &mix {
                acc ^= fpr.run(black_box(s));
            }
            acc
        })
    });
    group.finish();

    // Each shape on its own, to see where time goes.
    let mut group = c.benchmark_group("fingerprint_by_shape");
    let names = [
        "select_joins",
        "select_commenter",
        "insert_25_rows",
        "update",
        "in_list_120",
        "mysql_backticks",
        "pg_jsonb_any",
        "point_lookup",
        "point_lookup_pg",
    ];
    for (k, name) in names.iter().enumerate() {
        let stmts: Vec<&String> = mix.iter().skip(k).step_by(11).collect();
        let n: usize = stmts.iter().map(|s| s.len()).sum();
        group.throughput(Throughput::Bytes(n as u64));
        group.bench_function(*name, |b| {
            let mut fpr = Fingerprinter::new();
            b.iter(|| {
                let mut acc = 0u64;
                for s in &stmts {
                    acc ^= fpr.run(black_box(s));
                }
                acc
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
