//! Explicit state tables. Every lifecycle in juhe (payment, refund, hold,
//! webhook delivery) is a table of allowed `(from, action) -> to` rows; a pair
//! that is not in the table is an error, never a silent overwrite. Storage
//! applies the result with a guarded `UPDATE … WHERE status = from`.

use crate::error::DomainError;

pub trait StateMachine {
    type Status: Copy + Eq + std::fmt::Debug + 'static;
    type Action: Copy + Eq + std::fmt::Debug + 'static;
    /// What the machine is about, for error messages ("payment", "refund").
    const KIND: &'static str;
    /// Every allowed transition; anything else is forbidden.
    const TABLE: &'static [(Self::Status, Self::Action, Self::Status)];
    const STATUSES: &'static [Self::Status];
    const ACTIONS: &'static [Self::Action];
    fn status_name(status: Self::Status) -> &'static str;
    fn action_name(action: Self::Action) -> &'static str;
}

/// Looks `(from, action)` up in `M::TABLE`.
pub fn transition<M: StateMachine>(from: M::Status, action: M::Action) -> Result<M::Status, DomainError> {
    M::TABLE
        .iter()
        .find(|(f, a, _)| *f == from && *a == action)
        .map(|(_, _, to)| *to)
        .ok_or(DomainError::IllegalTransition {
            kind: M::KIND,
            from: M::status_name(from),
            action: M::action_name(action),
        })
}

/// Statuses with no way out.
pub fn is_terminal<M: StateMachine>(status: M::Status) -> bool {
    !M::TABLE.iter().any(|(f, _, _)| *f == status)
}

/// Shared checks of any table, used by each machine's tests: the table is a
/// function (no `(from, action)` pair twice) and every status it names is listed.
#[cfg(test)]
pub(crate) fn assert_well_formed<M: StateMachine>() {
    for (i, (f, a, t)) in M::TABLE.iter().enumerate() {
        assert!(
            M::STATUSES.contains(f) && M::STATUSES.contains(t),
            "row {i} names an unlisted status"
        );
        assert!(M::ACTIONS.contains(a), "row {i} names an unlisted action");
        let dupes = M::TABLE.iter().filter(|(f2, a2, _)| f2 == f && a2 == a).count();
        assert_eq!(dupes, 1, "({f:?}, {a:?}) appears {dupes} times");
    }
}

/// Checks an expected table against the machine: every `(status, action)`
/// pair is tried; the allowed ones must land where `expected` says, every
/// other pair must be refused with `illegal_state_transition`.
#[cfg(test)]
pub(crate) fn assert_exhaustive<M: StateMachine>(expected: &[(M::Status, M::Action, M::Status)]) {
    use crate::error::ErrorCode;
    assert_well_formed::<M>();
    for &s in M::STATUSES {
        for &a in M::ACTIONS {
            let want = expected.iter().find(|(f, x, _)| *f == s && *x == a).map(|(_, _, t)| *t);
            match (transition::<M>(s, a), want) {
                (Ok(got), Some(want)) => assert_eq!(got, want, "{s:?} --{a:?}-->"),
                (Err(e), None) => assert_eq!(e.code(), ErrorCode::IllegalStateTransition),
                (got, want) => panic!("{s:?} --{a:?}--> gave {got:?}, expected {want:?}"),
            }
        }
    }
}
