//! Sign-in, sessions, tokens, throttling, visibility and the audit log, on
//! both backends.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_app::AppError;
use attain_app::auth::{self, ACCOUNT_FAILURE_LIMIT, Via};
use attain_app::goals::By;
use attain_app::users::{self, NewAccount};
use attain_core::{Login, OrgUnitId, OrgUnitKind, Principal, Role, UserId, Visibility};
use attain_store::{Actor, NewOrgUnit, Store, StoreError, UserChanges, principal_of};
use attain_testkit::store_test;
use chrono::{DateTime, Duration, TimeZone, Utc};

const PASSWORD: &str = "Quota-2026-xyz";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

struct Org {
    admin: Principal,
    east: OrgUnitId,
    team_a: OrgUnitId,
    manager_east: Principal,
    rep_a: Principal,
    rep_b: Principal,
    rep_west: Principal,
}

async fn unit(
    store: &Store,
    parent: Option<OrgUnitId>,
    name: &str,
    kind: OrgUnitKind,
) -> OrgUnitId {
    store
        .create_org_unit(&NewOrgUnit {
            parent,
            name: name.into(),
            kind,
            external_id: None,
        })
        .await
        .unwrap()
}

async fn person(store: &Store, login: &str, unit: OrgUnitId, role: Role) -> Principal {
    let account = NewAccount {
        login: Login::new(login).unwrap(),
        display_name: login.to_uppercase(),
        email: None,
        unit,
        role,
        password: Some(PASSWORD.into()),
        external_id: None,
    };
    let (user, generated) = users::create_user(store, &Actor::named("test"), None, account)
        .await
        .unwrap();
    assert!(generated.is_none());
    principal_of(&user)
}

/// Company → East (Team A, Team B), West (Team C).
async fn org(store: &Store) -> Org {
    let company = unit(store, None, "Acme", OrgUnitKind::Company).await;
    let east = unit(store, Some(company), "East", OrgUnitKind::Region).await;
    let west = unit(store, Some(company), "West", OrgUnitKind::Region).await;
    let team_a = unit(store, Some(east), "Team A", OrgUnitKind::Team).await;
    let team_b = unit(store, Some(east), "Team B", OrgUnitKind::Team).await;
    let team_c = unit(store, Some(west), "Team C", OrgUnitKind::Team).await;
    Org {
        admin: person(store, "root", company, Role::Admin).await,
        east,
        team_a,
        manager_east: person(store, "mgr.east", east, Role::Manager).await,
        rep_a: person(store, "rep.a", team_a, Role::Rep).await,
        rep_b: person(store, "rep.b", team_b, Role::Rep).await,
        rep_west: person(store, "rep.west", team_c, Role::Rep).await,
    }
}

fn logins(users: &[attain_store::User]) -> Vec<&str> {
    let mut v: Vec<&str> = users.iter().map(|u| u.login.as_str()).collect();
    v.sort();
    v
}

store_test!(async fn a_correct_password_opens_a_session_that_sign_out_ends(store) {
    let org = org(&store).await;
    let session = auth::sign_in(&store, "REP.A", PASSWORD, "10.0.0.1", t0()).await.unwrap();
    assert_eq!(session.identity.principal, org.rep_a);
    let found = auth::identify_session(&store, &session.token, t0() + Duration::hours(1)).await.unwrap().unwrap();
    assert_eq!(found.principal, org.rep_a);
    assert_eq!(found.via, Via::Session);
    assert_eq!(found.csrf_token, session.identity.csrf_token);
    auth::sign_out(&store, &session.token).await.unwrap();
    assert!(auth::identify_session(&store, &session.token, t0()).await.unwrap().is_none());
});

store_test!(async fn a_session_expires_after_twelve_idle_hours(store) {
    org(&store).await;
    let session = auth::sign_in(&store, "rep.a", PASSWORD, "10.0.0.1", t0()).await.unwrap();
    let later = t0() + Duration::hours(11);
    assert!(auth::identify_session(&store, &session.token, later).await.unwrap().is_some());
    // Activity slid the expiry forward: 11 + 11 hours is still inside.
    assert!(auth::identify_session(&store, &session.token, later + Duration::hours(11)).await.unwrap().is_some());
    assert!(auth::identify_session(&store, &session.token, later + Duration::hours(23) + Duration::minutes(1)).await.unwrap().is_none());
});

store_test!(async fn wrong_passwords_and_unknown_logins_fail_alike(store) {
    org(&store).await;
    for (login, password) in [("rep.a", "wrong-password-1"), ("nobody", PASSWORD), ("bad login!", PASSWORD)] {
        let err = auth::sign_in(&store, login, password, "10.0.0.2", t0()).await.unwrap_err();
        assert!(matches!(err, AppError::BadCredentials), "{login}: {err}");
        assert_eq!(err.to_string(), "the login or password is not correct");
    }
});

store_test!(async fn repeated_wrong_passwords_lock_the_account_from_that_address_only(store) {
    org(&store).await;
    for i in 0..ACCOUNT_FAILURE_LIMIT {
        let at = t0() + Duration::seconds(i);
        let err = auth::sign_in(&store, "rep.a", "guess-guess-1", "10.0.0.3", at).await.unwrap_err();
        assert!(matches!(err, AppError::BadCredentials));
    }
    // The guesser's address may not try this account again, not even with the right password.
    let err = auth::sign_in(&store, "rep.a", PASSWORD, "10.0.0.3", t0() + Duration::minutes(1)).await.unwrap_err();
    let AppError::Throttled { retry_after_secs } = err else { panic!("expected throttling, got {err}") };
    assert_eq!(retry_after_secs, 14 * 60);
    // The owner, from his own address, is not locked out by someone else's guessing.
    auth::sign_in(&store, "rep.a", PASSWORD, "10.9.9.9", t0() + Duration::minutes(1)).await.unwrap();
    // Another account is not affected either.
    auth::sign_in(&store, "rep.b", PASSWORD, "10.0.0.3", t0() + Duration::minutes(1)).await.unwrap();
    // After the window the right password works again from the guesser's address too.
    auth::sign_in(&store, "rep.a", PASSWORD, "10.0.0.3", t0() + Duration::minutes(16)).await.unwrap();
});

store_test!(async fn thirty_made_up_logins_from_one_client_do_not_lock_the_admin_out(store) {
    // Reproduced: 30 failed sign-ins with made-up logins from one anonymous
    // client, and the administrator's correct password then got 429.
    org(&store).await;
    for i in 0..auth::ADDRESS_FAILURE_LIMIT {
        let login = format!("user{i}");
        let _ = auth::sign_in(&store, &login, "nope-nope-nope", "203.0.113.7", t0()).await;
    }
    // The guessing address itself is refused for any login ...
    let err = auth::sign_in(&store, "rep.b", PASSWORD, "203.0.113.7", t0()).await.unwrap_err();
    assert!(matches!(err, AppError::Throttled { .. }), "{err}");
    // ... while the administrator, from his own address, signs in.
    auth::sign_in(&store, "root", PASSWORD, "198.51.100.1", t0()).await.unwrap();
    auth::sign_in(&store, "rep.b", PASSWORD, "198.51.100.1", t0()).await.unwrap();
});

store_test!(async fn parallel_guesses_cannot_race_past_the_limit(store) {
    org(&store).await;
    let mut guesses = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        guesses.push(tokio::spawn(async move {
            auth::sign_in(&store, "rep.a", &format!("guess-number-{i}"), "10.6.6.6", t0()).await
        }));
    }
    let mut tried = 0;
    let mut throttled = 0;
    for g in guesses {
        match g.await.unwrap() {
            Err(AppError::BadCredentials) => tried += 1,
            Err(AppError::Throttled { .. }) => throttled += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(tried <= ACCOUNT_FAILURE_LIMIT, "{tried} passwords were tried; at most {ACCOUNT_FAILURE_LIMIT} may be");
    assert_eq!(tried + throttled, 20);
});

store_test!(async fn guessing_the_current_password_is_throttled_like_a_sign_in(store) {
    let org = org(&store).await;
    for _ in 0..ACCOUNT_FAILURE_LIMIT {
        let err = auth::change_password(&store, &org.rep_a, "a-guess-at-it", "A-new-secret-42", auth::Tokens::Keep, "10.0.0.8", t0()).await.unwrap_err();
        assert!(matches!(err, AppError::BadCredentials), "{err}");
    }
    let err = auth::change_password(&store, &org.rep_a, PASSWORD, "A-new-secret-42", auth::Tokens::Keep, "10.0.0.8", t0()).await.unwrap_err();
    assert!(matches!(err, AppError::Throttled { .. }), "{err}");
    // Sign-in from that address is locked for the account too: same counter.
    let err = auth::sign_in(&store, "rep.a", PASSWORD, "10.0.0.8", t0()).await.unwrap_err();
    assert!(matches!(err, AppError::Throttled { .. }), "{err}");
});

store_test!(async fn expired_sessions_and_old_failures_are_purged(store) {
    org(&store).await;
    let session = auth::sign_in(&store, "rep.a", PASSWORD, "10.0.0.1", t0()).await.unwrap();
    let _ = auth::sign_in(&store, "rep.b", "wrong-wrong-1", "10.0.0.2", t0()).await;
    // Nothing is due yet.
    assert_eq!(auth::purge_expired(&store, t0() + Duration::minutes(1)).await.unwrap(), 0);
    let purged = auth::purge_expired(&store, t0() + Duration::hours(13)).await.unwrap();
    assert_eq!(purged, 2, "one expired session and one old failure");
    assert!(auth::identify_session(&store, &session.token, t0()).await.unwrap().is_none());
});

store_test!(async fn changing_a_password_ends_other_sessions_and_is_audited_without_the_hash(store) {
    let org = org(&store).await;
    let old = auth::sign_in(&store, "rep.a", PASSWORD, "10.0.0.1", t0()).await.unwrap();
    let keep = auth::Tokens::Keep;
    let err = auth::change_password(&store, &org.rep_a, "not-current-1", "A-new-secret-42", keep, "10.0.0.1", t0()).await.unwrap_err();
    assert!(matches!(err, AppError::BadCredentials));
    let err = auth::change_password(&store, &org.rep_a, PASSWORD, "short", keep, "10.0.0.1", t0()).await.unwrap_err();
    assert!(matches!(err, AppError::WeakPassword(_)));
    let fresh = auth::change_password(&store, &org.rep_a, PASSWORD, "A-new-secret-42", keep, "10.0.0.1", t0()).await.unwrap();
    assert!(auth::identify_session(&store, &old.token, t0()).await.unwrap().is_none());
    assert!(auth::identify_session(&store, &fresh.token, t0()).await.unwrap().is_some());
    assert!(auth::sign_in(&store, "rep.a", PASSWORD, "10.0.0.1", t0()).await.is_err());
    auth::sign_in(&store, "rep.a", "A-new-secret-42", "10.0.0.1", t0()).await.unwrap();
    let entries = store.audit_log(Some("user"), 10, None).await.unwrap();
    let entry = &entries[0];
    assert_eq!(entry.actor, "rep.a");
    assert_eq!(entry.after.as_ref().unwrap()["password"], "changed by the user");
    let text = format!("{:?}", entries);
    assert!(!text.contains("argon2"), "hashes never reach the audit log");
});

store_test!(async fn api_tokens_identify_their_owner_until_revoked(store) {
    let org = org(&store).await;
    let actor = Actor::person(&org.rep_a);
    let (id, token) = auth::create_api_token(&store, &actor, None, org.rep_a.user, "script", None, t0()).await.unwrap();
    assert!(token.starts_with("atn_"));
    let identity = auth::identify_api_token(&store, &token, t0()).await.unwrap().unwrap();
    assert_eq!((identity.principal.user, identity.via), (org.rep_a.user, Via::ApiToken));
    let listed = store.api_tokens_of(org.rep_a.user).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, Some(t0()));
    // Another rep cannot revoke it, not even by guessing its ID.
    let other = Actor::person(&org.rep_b);
    let err = store.revoke_api_token(&other, id, Some(org.rep_b.user), t0()).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }));
    store.revoke_api_token(&actor, id, Some(org.rep_a.user), t0()).await.unwrap();
    assert!(auth::identify_api_token(&store, &token, t0()).await.unwrap().is_none());
    assert!(auth::identify_api_token(&store, "atn_0000", t0()).await.unwrap().is_none());
    assert!(auth::identify_api_token(&store, "garbage", t0()).await.unwrap().is_none());
});

store_test!(async fn an_admin_reset_revokes_the_persons_api_tokens(store) {
    // Reproduced: after `attain user passwd` of a rep, his existing API token still answered 200.
    let org = org(&store).await;
    let actor = Actor::person(&org.rep_a);
    let (_, token) = auth::create_api_token(&store, &actor, None, org.rep_a.user, "script", None, t0()).await.unwrap();
    let (_, other) = auth::create_api_token(&store, &Actor::person(&org.rep_b), None, org.rep_b.user, "theirs", None, t0()).await.unwrap();
    let reset = users::reset_password(&store, &Actor::named("cli"), None, org.rep_a.user, None, t0()).await.unwrap();
    assert_eq!(reset.tokens_revoked, 1);
    assert!(reset.one_time.is_some());
    assert!(auth::identify_api_token(&store, &token, t0()).await.unwrap().is_none(), "the reset person's token is dead");
    assert!(auth::identify_api_token(&store, &other, t0()).await.unwrap().is_some(), "nobody else's");
    let entry = store.audit_log(Some("user"), 1, None).await.unwrap().remove(0);
    assert_eq!(entry.after.unwrap()["api_tokens_revoked"], 1);
});

store_test!(async fn changing_ones_own_password_keeps_or_revokes_tokens_as_asked(store) {
    let org = org(&store).await;
    let actor = Actor::person(&org.rep_a);
    let (_, token) = auth::create_api_token(&store, &actor, None, org.rep_a.user, "script", None, t0()).await.unwrap();
    auth::change_password(&store, &org.rep_a, PASSWORD, "A-new-secret-42", auth::Tokens::Keep, "10.0.0.1", t0()).await.unwrap();
    assert!(auth::identify_api_token(&store, &token, t0()).await.unwrap().is_some(), "kept");
    auth::change_password(&store, &org.rep_a, "A-new-secret-42", "Another-secret-43", auth::Tokens::Revoke, "10.0.0.1", t0()).await.unwrap();
    assert!(auth::identify_api_token(&store, &token, t0()).await.unwrap().is_none(), "revoked");
});

store_test!(async fn a_token_with_an_expiry_stops_working_then(store) {
    let org = org(&store).await;
    let actor = Actor::person(&org.rep_a);
    let ninety = auth::parse_lifetime("90d").unwrap();
    let (_, token) = auth::create_api_token(&store, &actor, None, org.rep_a.user, "ci", Some(ninety), t0()).await.unwrap();
    assert!(auth::identify_api_token(&store, &token, t0() + Duration::days(89)).await.unwrap().is_some());
    assert!(auth::identify_api_token(&store, &token, t0() + Duration::days(90)).await.unwrap().is_none());
    let listed = store.api_tokens_of(org.rep_a.user).await.unwrap();
    assert_eq!(listed[0].expires_at, Some(t0() + Duration::days(90)));
    assert_eq!(listed[0].last_used_at, Some(t0() + Duration::days(89)), "last use is kept");
    assert_eq!(auth::parse_lifetime("1y").unwrap(), Duration::days(365));
    assert_eq!(auth::parse_lifetime("12w").unwrap(), Duration::days(84));
    for bad in ["", "90", "0d", "-5d", "99999y", "ninety days"] {
        assert!(auth::parse_lifetime(bad).is_err(), "{bad}");
    }
});

store_test!(async fn an_api_token_of_a_person_who_must_change_his_password_says_so(store) {
    let org = org(&store).await;
    let (_, token) = auth::create_api_token(&store, &Actor::person(&org.rep_a), None, org.rep_a.user, "s", None, t0()).await.unwrap();
    users::reset_password(&store, &Actor::named("cli"), None, org.rep_a.user, None, t0()).await.unwrap();
    let (_, token2) = auth::create_api_token(&store, &Actor::named("cli"), None, org.rep_a.user, "new", None, t0()).await.unwrap();
    assert!(auth::identify_api_token(&store, &token, t0()).await.unwrap().is_none());
    let identity = auth::identify_api_token(&store, &token2, t0()).await.unwrap().unwrap();
    assert!(identity.must_change_password, "the API refuses such a caller until he chooses a password");
});

store_test!(async fn a_manager_sees_exactly_his_subtree_and_a_rep_only_himself(store) {
    let org = org(&store).await;
    let mine = store.users_visible(&org.manager_east.visibility()).await.unwrap();
    assert_eq!(logins(&mine), vec!["mgr.east", "rep.a", "rep.b"]);
    let own = store.users_visible(&org.rep_a.visibility()).await.unwrap();
    assert_eq!(logins(&own), vec!["rep.a"]);
    let all = store.users_visible(&Visibility::Everything).await.unwrap();
    assert_eq!(all.len(), 5);
    let team = store.users_visible(&Visibility::Subtree(org.team_a)).await.unwrap();
    assert_eq!(logins(&team), vec!["rep.a"]);
    // Guessing another person's ID looks exactly like a missing ID.
    let hidden = store.user_visible(&org.rep_a.visibility(), org.rep_b.user).await.unwrap_err();
    let missing = store.user_visible(&org.rep_a.visibility(), UserId::from_raw(99_999)).await.unwrap_err();
    assert_eq!(hidden.to_string().replace(&org.rep_b.user.to_string(), "N"), missing.to_string().replace("99999", "N"));
    assert!(store.user_visible(&org.manager_east.visibility(), org.rep_west.user).await.is_err());
    assert!(store.user_visible(&org.manager_east.visibility(), org.rep_b.user).await.is_ok());
    let _ = org.east;
});

store_test!(async fn only_an_admin_manages_users_and_cannot_lock_himself_out(store) {
    let org = org(&store).await;
    let account = NewAccount {
        login: Login::new("new.rep").unwrap(),
        display_name: "New".into(),
        email: None,
        unit: org.team_a,
        role: Role::Rep,
        password: None,
        external_id: None,
    };
    let err = users::create_user(&store, &Actor::person(&org.manager_east), Some(&org.manager_east), account.clone()).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    let (created, one_time) = users::create_user(&store, &Actor::person(&org.admin), Some(&org.admin), account).await.unwrap();
    let one_time = one_time.unwrap();
    let session = auth::sign_in(&store, "new.rep", &one_time, "10.0.0.1", t0()).await.unwrap();
    assert!(session.identity.must_change_password);
    let demote = UserChanges { role: Some(Role::Rep), ..UserChanges::default() };
    let err = users::update_user(&store, &Actor::person(&org.admin), Some(&org.admin), org.admin.user, demote, chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()).await.unwrap_err();
    assert!(matches!(err, AppError::Rejected(attain_app::Rejection::SelfLockout)), "{err}");
    let deactivate = UserChanges { active: Some(false), ..UserChanges::default() };
    users::update_user(&store, &Actor::person(&org.admin), Some(&org.admin), created.id, deactivate, chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()).await.unwrap();
    assert!(auth::identify_session(&store, &session.token, t0()).await.unwrap().is_none(), "sessions end");
    assert!(matches!(auth::sign_in(&store, "new.rep", &one_time, "10.0.0.1", t0()).await, Err(AppError::BadCredentials)));
});

store_test!(async fn a_role_change_is_audited_with_before_and_after(store) {
    let org = org(&store).await;
    let promote = UserChanges { role: Some(Role::Manager), ..UserChanges::default() };
    users::update_user(&store, &Actor::person(&org.admin), Some(&org.admin), org.rep_a.user, promote, chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()).await.unwrap();
    let entry = store.audit_log(Some("user"), 1, None).await.unwrap().remove(0);
    assert_eq!((entry.actor.as_str(), entry.action.as_str(), entry.entity_id.clone()), ("root", "update", org.rep_a.user.to_string()));
    assert_eq!(entry.actor_id, Some(org.admin.user));
    assert_eq!(entry.before.unwrap()["role"], "rep");
    assert_eq!(entry.after.unwrap()["role"], "manager");
});

store_test!(async fn the_audit_log_is_append_only(store) {
    org(&store).await;
    let before = store.audit_log(None, 100, None).await.unwrap();
    assert!(!before.is_empty());
    let err = store.try_tamper_with_audit_log().await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_eq!(store.audit_log(None, 100, None).await.unwrap(), before);
});

store_test!(async fn a_fresh_installation_gets_one_admin_with_a_one_time_password(store) {
    let (login, password) = users::bootstrap_admin(&store).await.unwrap().unwrap();
    assert_eq!(login.as_str(), "admin");
    assert_eq!(password.len(), 16);
    let session = auth::sign_in(&store, "admin", &password, "127.0.0.1", t0()).await.unwrap();
    assert!(session.identity.must_change_password);
    assert_eq!(session.identity.principal.role, Role::Admin);
    assert!(users::bootstrap_admin(&store).await.unwrap().is_none(), "only on an empty installation");
});

store_test!(async fn the_use_cases_decide_who_changes_units_tokens_and_records(store) {
    // Handlers used to decide these; now the use case does, whoever calls.
    let org = org(&store).await;
    let forbidden = |r: Result<(), AppError>| matches!(r, Err(AppError::Forbidden(_)));
    let new_team = NewOrgUnit { parent: Some(org.east), name: "Team D".into(), kind: OrgUnitKind::Team, external_id: None };
    // Units: administrators only.
    for who in [&org.manager_east, &org.rep_a] {
        assert!(forbidden(attain_app::units::create(&store, By::Person(who), &new_team).await.map(|_| ())), "{}", who.login);
        assert!(forbidden(attain_app::units::update(&store, By::Person(who), org.team_a, Some("Renamed"), None).await));
        assert!(forbidden(attain_app::units::delete(&store, By::Person(who), org.team_a).await));
    }
    let team_d = attain_app::units::create(&store, By::Person(&org.admin), &new_team).await.unwrap();
    attain_app::units::update(&store, By::Person(&org.admin), team_d, Some("Team Delta"), None).await.unwrap();
    assert_eq!(store.org_tree().await.unwrap().unit(team_d).unwrap().name, "Team Delta");
    attain_app::units::delete(&store, By::Person(&org.admin), team_d).await.unwrap();
    assert!(store.org_tree().await.unwrap().unit(team_d).is_none());
    let log = store.audit_log(Some("org_unit"), 10, None).await.unwrap();
    assert_eq!(log.len(), 3, "created, renamed, deleted: {log:?}");
    // Tokens are created by their owner or an administrator.
    let err = auth::create_api_token(&store, &Actor::person(&org.rep_a), Some(&org.rep_a), org.rep_b.user, "theirs", None, t0()).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    auth::create_api_token(&store, &Actor::person(&org.admin), Some(&org.admin), org.rep_b.user, "for rep b", None, t0()).await.unwrap();
    // Tokens: one's own; an administrator anyone's, but not from his own page.
    let (mine, _) = auth::create_api_token(&store, &Actor::person(&org.rep_a), None, org.rep_a.user, "script", None, t0()).await.unwrap();
    for (who, whose) in [(&org.rep_b, auth::TokenOwner::AnyoneHeManages), (&org.admin, auth::TokenOwner::Own)] {
        let err = auth::revoke_api_token(&store, who, mine, whose, t0()).await.unwrap_err();
        assert!(matches!(err, AppError::Store(StoreError::NotFound { .. })), "{}: {err}", who.login);
    }
    auth::revoke_api_token(&store, &org.admin, mine, auth::TokenOwner::AnyoneHeManages, t0()).await.unwrap();
    // The audit log: administrators and sales operations.
    assert!(forbidden(attain_app::audit::read(&store, &org.manager_east, None, 10, None).await.map(|_| ())));
    let entries = attain_app::audit::read(&store, &org.admin, Some("org_unit"), 10, None).await.unwrap();
    assert_eq!(entries.len(), 3);
    // Records by ID: sales ops and admins only; an unknown kind is not found.
    assert!(forbidden(attain_app::records::delete(&store, &org.rep_a, "deals", 1).await));
    let err = attain_app::records::delete(&store, &org.admin, "exchange-rates", 1).await.unwrap_err();
    assert!(matches!(err, AppError::Store(StoreError::NotFound { .. })), "{err}");
});
