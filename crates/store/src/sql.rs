//! The one query API of the write path, for both engines.
//!
//! Repositories write `query("… $1 …").bind(x).execute(tx)` once; the
//! connection decides how it runs. On PostgreSQL it is a sqlx transaction.
//! On SQLite it is a rusqlite connection owned by the writer thread, so every
//! statement runs right there, synchronously, with a cached prepared
//! statement — no hand-over to another thread per statement, which is what
//! bounds a group-commit writer (see docs/benchmarks.md).
//!
//! Values are the three kinds the schema uses: BIGINT, TEXT and NULL (typed,
//! because PostgreSQL wants to know what a NULL parameter is).

use crate::error::StoreError;
use sqlx::{Any, Column, Row as _, Transaction, ValueRef};
use std::collections::HashMap;
use std::sync::Arc;

/// A connection inside a write transaction.
pub enum Conn {
    /// SQLite: the writer thread's connection (a transaction is open on it).
    Lite(rusqlite::Connection),
    /// PostgreSQL (or any sqlx engine): an open transaction.
    Any(Transaction<'static, Any>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Value {
        v.map_or(Value::NullInt, Value::Int)
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Value {
        v.map_or(Value::NullText, |s| Value::Text(s.to_string()))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        v.map_or(Value::NullText, Value::Text)
    }
}
impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Value {
        v.as_deref().into()
    }
}

/// One result row: values by position, names shared by the rows of a query.
pub struct Row {
    names: Arc<HashMap<String, usize>>,
    values: Vec<Option<RawValue>>,
}

enum RawValue {
    Int(i64),
    Text(String),
}

/// A Rust type a column decodes into.
pub trait FromValue: Sized {
    fn from_value(v: Option<&RawValueRef<'_>>) -> Result<Self, String>;
}

/// A borrowed view of a column value.
pub enum RawValueRef<'a> {
    Int(i64),
    Text(&'a str),
}

impl FromValue for i64 {
    fn from_value(v: Option<&RawValueRef<'_>>) -> Result<Self, String> {
        match v {
            Some(RawValueRef::Int(i)) => Ok(*i),
            Some(RawValueRef::Text(t)) => t.parse().map_err(|_| format!("expected an integer, got {t:?}")),
            None => Err("unexpected NULL".into()),
        }
    }
}

impl FromValue for String {
    fn from_value(v: Option<&RawValueRef<'_>>) -> Result<Self, String> {
        match v {
            Some(RawValueRef::Text(t)) => Ok((*t).to_string()),
            Some(RawValueRef::Int(i)) => Ok(i.to_string()),
            None => Err("unexpected NULL".into()),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Option<&RawValueRef<'_>>) -> Result<Self, String> {
        match v {
            None => Ok(None),
            some => T::from_value(some).map(Some),
        }
    }
}

impl Row {
    fn raw(&self, index: usize) -> Option<RawValueRef<'_>> {
        match self.values.get(index)? {
            Some(RawValue::Int(i)) => Some(RawValueRef::Int(*i)),
            Some(RawValue::Text(t)) => Some(RawValueRef::Text(t)),
            None => None,
        }
    }

    /// The column `name`, decoded.
    pub fn get<T: FromValue>(&self, name: &str) -> Result<T, StoreError> {
        let index = *self
            .names
            .get(name)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {name}")))?;
        self.at(index)
            .map_err(|e| StoreError::Corrupt(format!("column {name}: {e}")))
    }

    fn at<T: FromValue>(&self, index: usize) -> Result<T, String> {
        if index >= self.values.len() {
            return Err(format!("no column {index}"));
        }
        T::from_value(self.raw(index).as_ref())
    }

    /// The column at `index`, decoded.
    pub fn get_at<T: FromValue>(&self, index: usize) -> Result<T, StoreError> {
        self.at(index)
            .map_err(|e| StoreError::Corrupt(format!("column {index}: {e}")))
    }
}

/// A type built from a result row.
pub trait FromRow: Sized {
    fn from_row(row: &Row) -> Result<Self, StoreError>;
}

impl<A: FromValue> FromRow for (A,) {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        Ok((row.get_at(0)?,))
    }
}
impl<A: FromValue, B: FromValue> FromRow for (A, B) {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        Ok((row.get_at(0)?, row.get_at(1)?))
    }
}
impl<A: FromValue, B: FromValue, C: FromValue> FromRow for (A, B, C) {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        Ok((row.get_at(0)?, row.get_at(1)?, row.get_at(2)?))
    }
}

/// Implements [`FromRow`] for a struct whose fields are named like its columns.
#[macro_export]
macro_rules! from_row {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl $crate::sql::FromRow for $ty {
            fn from_row(row: &$crate::sql::Row) -> Result<Self, $crate::StoreError> {
                Ok($ty { $($field: row.get(stringify!($field))?),* })
            }
        }
    };
}

/// A statement with its parameters (`$1`, `$2`, … in the SQL).
pub struct Query {
    sql: String,
    args: Vec<Value>,
}

pub fn query(sql: impl Into<String>) -> Query {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

impl Query {
    pub fn bind(mut self, v: impl Into<Value>) -> Query {
        self.args.push(v.into());
        self
    }

    /// Runs the statement; the number of rows it changed.
    pub async fn execute(self, conn: &mut Conn) -> Result<u64, StoreError> {
        match conn {
            Conn::Lite(c) => lite_execute(c, &self.sql, &self.args),
            Conn::Any(tx) => Ok(any_query(&self.sql, &self.args)
                .execute(&mut **tx)
                .await?
                .rows_affected()),
        }
    }

    pub async fn fetch_all<T: FromRow>(self, conn: &mut Conn) -> Result<Vec<T>, StoreError> {
        let rows = match conn {
            Conn::Lite(c) => lite_fetch(c, &self.sql, &self.args)?,
            Conn::Any(tx) => any_rows(&any_query(&self.sql, &self.args).fetch_all(&mut **tx).await?)?,
        };
        rows.iter().map(T::from_row).collect()
    }

    pub async fn fetch_optional<T: FromRow>(self, conn: &mut Conn) -> Result<Option<T>, StoreError> {
        Ok(self.fetch_all(conn).await?.into_iter().next())
    }

    pub async fn fetch_one<T: FromRow>(self, conn: &mut Conn) -> Result<T, StoreError> {
        self.fetch_optional(conn)
            .await?
            .ok_or_else(|| StoreError::Database("the query returned no row".into()))
    }
}

fn any_query<'q>(sql: &'q str, args: &'q [Value]) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    let mut q = sqlx::query(sql);
    for a in args {
        q = match a {
            Value::Int(i) => q.bind(*i),
            Value::Text(t) => q.bind(t.as_str()),
            Value::NullInt => q.bind(None::<i64>),
            Value::NullText => q.bind(None::<String>),
        };
    }
    q
}

fn any_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Row>, StoreError> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let names: Arc<HashMap<String, usize>> = Arc::new(
        first
            .columns()
            .iter()
            .map(|c| (c.name().to_string(), c.ordinal()))
            .collect(),
    );
    rows.iter()
        .map(|r| {
            let mut values = Vec::with_capacity(r.len());
            for i in 0..r.len() {
                let is_null = r.try_get_raw(i).map(|v| v.is_null()).unwrap_or(true);
                values.push(if is_null {
                    None
                } else if let Ok(v) = r.try_get::<i64, _>(i) {
                    Some(RawValue::Int(v))
                } else {
                    Some(RawValue::Text(r.try_get::<String, _>(i)?))
                });
            }
            Ok(Row {
                names: names.clone(),
                values,
            })
        })
        .collect()
}

fn lite_bind(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Value]) -> Result<(), StoreError> {
    for index in 1..=stmt.parameter_count() {
        // `$n` names the n-th argument wherever and however often it appears.
        let position = stmt
            .parameter_name(index)
            .and_then(|n| n.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| StoreError::Database(format!("parameter {index} is not of the form $n")))?;
        let value = args
            .get(position - 1)
            .ok_or_else(|| StoreError::Database(format!("no argument for ${position}")))?;
        let bound = match value {
            Value::Int(i) => stmt.raw_bind_parameter(index, i),
            Value::Text(t) => stmt.raw_bind_parameter(index, t),
            Value::NullInt | Value::NullText => stmt.raw_bind_parameter(index, rusqlite::types::Null),
        };
        bound.map_err(lite_error)?;
    }
    Ok(())
}

fn lite_execute(c: &rusqlite::Connection, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
    let mut stmt = c.prepare_cached(sql).map_err(lite_error)?;
    lite_bind(&mut stmt, args)?;
    if stmt.column_count() > 0 {
        // A statement with RETURNING: step through its rows to run it.
        let mut rows = stmt.raw_query();
        let mut n = 0;
        while rows.next().map_err(lite_error)?.is_some() {
            n += 1;
        }
        return Ok(n);
    }
    Ok(stmt.raw_execute().map_err(lite_error)? as u64)
}

fn lite_fetch(c: &rusqlite::Connection, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError> {
    let mut stmt = c.prepare_cached(sql).map_err(lite_error)?;
    lite_bind(&mut stmt, args)?;
    let names: Arc<HashMap<String, usize>> = Arc::new(
        stmt.column_names()
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), i))
            .collect(),
    );
    let width = stmt.column_count();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(lite_error)? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            use rusqlite::types::ValueRef as V;
            values.push(match r.get_ref(i).map_err(lite_error)? {
                V::Null => None,
                V::Integer(v) => Some(RawValue::Int(v)),
                V::Text(t) => Some(RawValue::Text(String::from_utf8_lossy(t).into_owned())),
                V::Real(f) => Some(RawValue::Text(f.to_string())),
                V::Blob(b) => Some(RawValue::Text(String::from_utf8_lossy(b).into_owned())),
            });
        }
        out.push(Row {
            names: names.clone(),
            values,
        });
    }
    Ok(out)
}

/// Runs statements without parameters (transaction and savepoint control).
pub async fn execute_batch(conn: &mut Conn, sql: &str) -> Result<(), StoreError> {
    match conn {
        Conn::Lite(c) => c.execute_batch(sql).map_err(lite_error),
        Conn::Any(tx) => {
            sqlx::query(sql).execute(&mut **tx).await?;
            Ok(())
        }
    }
}

pub(crate) fn lite_error(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        {
            return StoreError::UniqueViolation(msg.clone().unwrap_or_default());
        }
        if f.code == rusqlite::ErrorCode::DatabaseBusy || f.code == rusqlite::ErrorCode::DatabaseLocked {
            return StoreError::Database(format!("database is locked: {e}"));
        }
    }
    StoreError::Database(e.to_string())
}
