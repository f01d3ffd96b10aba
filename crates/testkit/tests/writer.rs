//! The write path on both engines: a failing write rolls back alone while
//! the others in its batch commit; a panicking write is contained; many
//! concurrent writes are grouped into fewer commits on SQLite.

use juhe_store::{StoreError, Tx};
use juhe_testkit::{Engine, TestDb, engines};

async fn insert_merchant(tx: Tx<'_>, id: &str) -> Result<(), StoreError> {
    juhe_store::merchants::insert_merchant(tx, id, "m", 0).await
}

async fn count(db: &juhe_store::Db) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM merchants")
        .fetch_one(db.reader())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_and_panicking_writes_roll_back_alone() {
    for engine in engines() {
        let test_db = TestDb::new(engine).await;
        let db = test_db.open().await;
        let before_batches = juhe_store::db::writer_stats().batches;
        let mut tasks = Vec::new();
        for i in 0..200 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                db.write(move |tx| {
                    Box::pin(async move {
                        let id = format!("mch_w{i}");
                        insert_merchant(&mut *tx, &id).await?;
                        match i % 10 {
                            // Fails after writing: its insert must vanish.
                            3 => Err(StoreError::Corrupt("refused on purpose".into())),
                            7 if i < 100 => panic!("a bug in one write"),
                            _ => Ok(i),
                        }
                    })
                })
                .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            // A panicking write surfaces as an error (on PostgreSQL the panic
            // unwinds the request's own task instead).
            if let Ok(Ok(_)) = t.await {
                ok += 1;
            }
        }
        let expected = 200 - 20 - 10;
        assert_eq!(ok, expected, "{engine:?}");
        assert_eq!(
            count(&db).await,
            expected as i64,
            "{engine:?}: failed writes left rows behind"
        );
        // The writer survived: later writes still commit.
        db.write(|tx| Box::pin(async move { insert_merchant(tx, "mch_after").await }))
            .await
            .unwrap();
        assert_eq!(count(&db).await, expected as i64 + 1);
        if engine == Engine::Sqlite {
            let batches = juhe_store::db::writer_stats().batches - before_batches;
            assert!(
                batches < 200,
                "{batches} commits for 200 concurrent writes: nothing was grouped"
            );
        }
        db.close().await;
    }
}
