use http::{Request, Response};

use super::*;

fn rules(spec: &str) -> Arc<CacheRules> {
    let spec: CacheSpec = spec.parse().unwrap();
    CacheRules::compile("apis[0].cache", &spec, &Arc::from("api"), 0).unwrap().unwrap()
}

fn get(uri: &str, headers: &[(&str, &str)]) -> request::Parts {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(()).unwrap().into_parts().0
}

fn answer(status: u16, headers: &[(&str, &str)]) -> response::Parts {
    let mut response = Response::builder().status(status);
    for (name, value) in headers {
        response = response.header(*name, *value);
    }
    response.body(()).unwrap().into_parts().0
}

#[test]
fn keys_hold_path_query_chosen_headers_and_consumer() {
    let all = rules("60s headers=Accept-Language");
    let key = |uri, headers, consumer| all.key(&get(uri, headers), consumer, None).unwrap();
    let base = key("/p/v1/pets?a=1&b=2", &[], Some("app-1"));
    assert_eq!(base, key("/p/v1/pets?b=2&a=1", &[], Some("app-1")), "query order does not matter");
    assert_ne!(base, key("/p/v1/pets?a=1&b=3", &[], Some("app-1")));
    assert_ne!(base, key("/p/v1/pets?a=1&b=2", &[], Some("app-2")), "one consumer's entry is not another's");
    assert_ne!(base, key("/p/v1/pets?a=1&b=2", &[], None));
    assert_ne!(base, key("/p/v1/pets?a=1&b=2", &[("accept-language", "fr")], Some("app-1")));
    assert_ne!(base, key("/p/v1/cats?a=1&b=2", &[], Some("app-1")));
    let other_generation =
        CacheRules::compile("x", &"60s headers=Accept-Language".parse().unwrap(), &Arc::from("api"), 1);
    assert_ne!(
        base,
        other_generation.unwrap().unwrap().key(&get("/p/v1/pets?a=1&b=2", &[]), Some("app-1"), None).unwrap()
    );

    let chosen = rules("60s query=page");
    let key = |uri| chosen.key(&get(uri, &[]), None, None).unwrap();
    assert_eq!(key("/p?page=2&noise=1"), key("/p?page=2&noise=9"), "other parameters are ignored");
    assert_ne!(key("/p?page=2"), key("/p?page=3"));
    let skip = |uri| all.key(&get(uri, &[]), Some("app"), Some("api_key")).unwrap();
    assert_eq!(skip("/p?api_key=one&x=1"), skip("/p?x=1&api_key=two"), "the credential parameter is not part of it");
}

#[test]
fn requests_bypass_for_methods_fresh_asks_and_anonymous_authorization() {
    let plain = rules("60s");
    assert!(plain.key(&get("/p", &[("cache-control", "max-age=0, no-cache")]), None, None).is_none());
    assert!(plain.key(&get("/p", &[("pragma", "no-cache")]), None, None).is_none());
    assert!(plain.key(&get("/p", &[("authorization", "Bearer x")]), None, None).is_none());
    assert!(plain.key(&get("/p", &[("authorization", "Bearer x")]), Some("app"), None).is_some());
    let post = Request::post("/p").body(()).unwrap().into_parts().0;
    assert!(plain.key(&post, Some("app"), None).is_none());
    let head = Request::head("/p").body(()).unwrap().into_parts().0;
    assert_eq!(plain.key(&head, None, None), plain.key(&get("/p", &[]), None, None), "HEAD is answered from GET");
    let overriding = rules("60s override");
    assert!(overriding.key(&get("/p", &[("cache-control", "no-cache")]), None, None).is_some());
    assert!(overriding.key(&get("/p", &[("authorization", "Bearer x")]), None, None).is_none());
}

#[test]
fn responses_are_stored_as_cache_control_says_unless_overridden() {
    let plain = rules("60s headers=Accept");
    let ttl = |status, headers: &[(&str, &str)]| plain.time_to_live(&answer(status, headers));
    assert_eq!(ttl(200, &[]), Some(Duration::from_secs(60)));
    assert_eq!(ttl(404, &[]), Some(Duration::from_secs(60)));
    assert_eq!(ttl(200, &[("cache-control", "public, max-age=5")]), Some(Duration::from_secs(5)));
    assert_eq!(ttl(200, &[("cache-control", "max-age=5, s-maxage=9")]), Some(Duration::from_secs(9)));
    assert_eq!(ttl(200, &[("cache-control", "max-age=99999999")]), Some(Duration::from_secs(MAX_CACHE_TTL_SECS)));
    for refused in ["no-store", "private", "no-cache", "max-age=0"] {
        assert_eq!(ttl(200, &[("cache-control", refused)]), None, "{refused}");
    }
    assert_eq!(ttl(500, &[]), None);
    assert_eq!(ttl(201, &[]), None);
    assert_eq!(ttl(200, &[("set-cookie", "s=1")]), None);
    assert_eq!(ttl(200, &[("vary", "Accept")]), Some(Duration::from_secs(60)), "varies on a key header");
    assert_eq!(ttl(200, &[("vary", "Accept, Accept-Encoding")]), None);
    assert_eq!(ttl(200, &[("vary", "*")]), None);
    let overriding = rules("60s override");
    assert_eq!(overriding.time_to_live(&answer(200, &[("cache-control", "no-store")])), Some(Duration::from_secs(60)));
    assert_eq!(overriding.time_to_live(&answer(200, &[("set-cookie", "s=1")])), None);
}

#[test]
fn bad_settings_name_their_field() {
    let error = |spec: CacheSpec| CacheRules::compile("apis[0].cache", &spec, &Arc::from("api"), 0).unwrap_err().path;
    assert_eq!(error(CacheSpec::ttl(0)), "apis[0].cache.ttl_secs");
    assert_eq!(error(CacheSpec::ttl(MAX_CACHE_TTL_SECS + 1)), "apis[0].cache.ttl_secs");
    assert_eq!(
        error(CacheSpec { headers: vec!["bad header".into()], ..CacheSpec::ttl(5) }),
        "apis[0].cache.headers[0]"
    );
    assert_eq!(
        error(CacheSpec { query_params: vec!["a=b".into()], ..CacheSpec::ttl(5) }),
        "apis[0].cache.query_params[0]"
    );
    assert_eq!(error(CacheSpec { max_body_bytes: Some(0), ..CacheSpec::ttl(5) }), "apis[0].cache.max_body_bytes");
    let off = CacheRules::compile("x", &CacheSpec { ttl_secs: 0, ..CacheSpec::off() }, &Arc::from("api"), 0);
    assert!(off.unwrap().is_none(), "a setting that is off is not checked further");
}
