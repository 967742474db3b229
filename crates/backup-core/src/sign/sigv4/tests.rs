//! AWS's published Signature Version 4 vectors.
//!
//! The generic cases are from the AWS SigV4 test suite as awslabs/aws-c-auth ships it,
//! `tests/aws-signing-test-suite/v4/<case>/` (`request.txt`, `header-canonical-request.txt`,
//! `header-string-to-sign.txt`, `header-signed-request.txt`; credentials `AKIDEXAMPLE` /
//! `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, region `us-east-1`, service `service`, time
//! 2015-08-30T12:36:00Z). Their expected texts are copied verbatim; the request paths of
//! `request.txt` are given here as they go on the wire (percent-encoded), which is what
//! [`SignableRequest::path`] holds.
//!
//! The S3 cases are the examples of the Amazon S3 API Reference, "Signature Calculations
//! for the Authorization Header: Transferring Payload in a Single Chunk"
//! (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html):
//! `AKIAIOSFODNN7EXAMPLE` / `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`, `us-east-1`, `s3`,
//! 20130524T000000Z, host `examplebucket.s3.amazonaws.com`.

use super::*;

const SUITE_KEY: &str = "AKIDEXAMPLE";
const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_DATE: &str = "20150830T123600Z";
const SUITE_HOST: &str = "example.amazonaws.com";

struct SuiteCase {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    query: &'static str,
    /// Headers of `request.txt` besides `Host`, and the `X-Amz-Date` the signer adds.
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
    canonical_request: &'static str,
    string_to_sign: &'static str,
    authorization: &'static str,
}

const SUITE: &[SuiteCase] = &[
    // tests/aws-signing-test-suite/v4/get-vanilla/
    SuiteCase {
        name: "get-vanilla",
        method: "GET",
        path: "/",
        query: "",
        headers: &[],
        body: b"",
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    // tests/aws-signing-test-suite/v4/get-vanilla-query-order-key-case/
    SuiteCase {
        name: "get-vanilla-query-order-key-case",
        method: "GET",
        path: "/",
        query: "Param2=value2&Param1=value1",
        headers: &[],
        body: b"",
        canonical_request: "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    },
    // tests/aws-signing-test-suite/v4/get-unreserved/
    SuiteCase {
        name: "get-unreserved",
        method: "GET",
        path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        query: "",
        headers: &[],
        body: b"",
        canonical_request: "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
    },
    // tests/aws-signing-test-suite/v4/get-utf8/ (request.txt: `GET /ሴ HTTP/1.1`)
    SuiteCase {
        name: "get-utf8",
        method: "GET",
        path: "/%E1%88%B4",
        query: "",
        headers: &[],
        body: b"",
        canonical_request: "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
    },
    // tests/aws-signing-test-suite/v4/get-space-unnormalized/ (request.txt:
    // `GET /example space/ HTTP/1.1`; the S3 rule: no normalisation)
    SuiteCase {
        name: "get-space-unnormalized",
        method: "GET",
        path: "/example%20space/",
        query: "",
        headers: &[],
        body: b"",
        canonical_request: "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    },
    // tests/aws-signing-test-suite/v4/post-x-www-form-urlencoded/ (context.json:
    // "sign_body": true, so the signer adds x-amz-content-sha256)
    SuiteCase {
        name: "post-x-www-form-urlencoded",
        method: "POST",
        path: "/",
        query: "",
        headers: &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "13"),
            (
                "x-amz-content-sha256",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ),
        ],
        body: b"Param1=value1",
        canonical_request: "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\nx-amz-date:20150830T123600Z\n\ncontent-length;content-type;host;x-amz-content-sha256;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nb1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
    },
];

fn headers_of(extra: &[(&str, &str)], date: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = extra
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    headers.push((DATE_HEADER.to_owned(), date.to_owned()));
    headers
}

#[test]
fn the_published_suite_vectors_sign_as_published() {
    for case in SUITE {
        let headers = headers_of(case.headers, SUITE_DATE);
        let request = SignableRequest {
            method: case.method,
            path: case.path,
            query: case.query,
            headers: &headers,
            body: case.body,
        };
        let canonical = canonical_request(&request, Some(SUITE_HOST));
        assert_eq!(canonical, case.canonical_request, "{}", case.name);
        let scope = Scope {
            date: "20150830",
            region: "us-east-1",
            service: "service",
        };
        assert_eq!(
            string_to_sign(SUITE_DATE, &scope, &canonical),
            case.string_to_sign,
            "{}",
            case.name
        );
        let authorization = authorization(
            &request,
            Some(SUITE_HOST),
            SUITE_KEY,
            SUITE_SECRET.as_bytes(),
            "us-east-1",
            "service",
        );
        assert_eq!(authorization, case.authorization, "{}", case.name);
    }
}

const S3_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const S3_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const S3_DATE: &str = "20130524T000000Z";
const S3_HOST: &str = "examplebucket.s3.amazonaws.com";

fn s3_authorization(path: &str, query: &str, extra: &[(&str, &str)]) -> (String, String) {
    let headers = headers_of(extra, S3_DATE);
    let request = SignableRequest {
        method: "GET",
        path,
        query,
        headers: &headers,
        body: b"",
    };
    (
        canonical_request(&request, Some(S3_HOST)),
        authorization(
            &request,
            Some(S3_HOST),
            S3_KEY,
            S3_SECRET.as_bytes(),
            "us-east-1",
            "s3",
        ),
    )
}

/// The S3 guide's "Example: GET Object": the empty-body hash in `x-amz-content-sha256` is
/// signed both as a header and as the payload hash.
#[test]
fn the_s3_get_object_example_signs_as_published() {
    let (canonical, authorization) = s3_authorization(
        "/test.txt",
        "",
        &[
            ("Range", "bytes=0-9"),
            (CONTENT_SHA256_HEADER, EMPTY_SHA256),
        ],
    );
    assert_eq!(
        canonical,
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let scope = Scope {
        date: "20130524",
        region: "us-east-1",
        service: "s3",
    };
    assert_eq!(
        string_to_sign(S3_DATE, &scope, &canonical),
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
    );
    assert_eq!(
        authorization,
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    );
}

/// The S3 guide's "Example: GET Bucket (List Objects)": the query is signed sorted,
/// whatever order it is sent in.
#[test]
fn the_s3_list_objects_example_signs_as_published() {
    for query in ["max-keys=2&prefix=J", "prefix=J&max-keys=2"] {
        let (canonical, authorization) =
            s3_authorization("/", query, &[(CONTENT_SHA256_HEADER, EMPTY_SHA256)]);
        assert!(
            canonical.starts_with("GET\n/\nmax-keys=2&prefix=J\n"),
            "{canonical}"
        );
        assert!(
            authorization.ends_with(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
            ),
            "{authorization}"
        );
    }
}

/// S3's payload rule: the last line of the canonical request is the
/// `x-amz-content-sha256` value, `UNSIGNED-PAYLOAD` included, never a hash of the body.
#[test]
fn an_unsigned_payload_is_signed_as_the_literal_header_value() {
    let headers = headers_of(&[(CONTENT_SHA256_HEADER, UNSIGNED_PAYLOAD)], S3_DATE);
    let request = SignableRequest {
        method: "PUT",
        path: "/bucket/key",
        query: "",
        headers: &headers,
        body: b"not hashed",
    };
    let canonical = canonical_request(&request, Some(S3_HOST));
    assert!(canonical.ends_with("\nUNSIGNED-PAYLOAD"), "{canonical}");
    assert!(canonical.contains("x-amz-content-sha256:UNSIGNED-PAYLOAD\n"));
    // Without the header, the body's hash is the payload hash.
    let headers = headers_of(&[], S3_DATE);
    let request = SignableRequest {
        headers: &headers,
        ..request
    };
    assert!(canonical_request(&request, Some(S3_HOST)).ends_with(&body_sha256(b"not hashed")));
    assert_eq!(body_sha256(b""), EMPTY_SHA256);
}

#[test]
fn canonical_uri_encodes_once_and_keeps_dots() {
    assert_eq!(canonical_uri(""), "/");
    assert_eq!(canonical_uri("/a%2fb"), "/a%2Fb");
    assert_eq!(canonical_uri("/a%252F"), "/a%252F");
    assert_eq!(canonical_uri("/b/./k*"), "/b/./k%2A");
    assert_eq!(canonical_uri("/b/%zz"), "/b/%25zz");
}

#[test]
fn canonical_query_keeps_plus_and_sorts_encoded() {
    assert_eq!(canonical_query(""), "");
    assert_eq!(canonical_query("a=x+y"), "a=x%2By");
    assert_eq!(canonical_query("b=2&a=%2b&a="), "a=&a=%2B&b=2");
    assert_eq!(
        canonical_query("continuation-token=1%2Fab%3D%3D&list-type=2"),
        "continuation-token=1%2Fab%3D%3D&list-type=2"
    );
}

#[test]
fn repeated_headers_join_and_unsigned_ones_are_left_out() {
    let headers: Vec<(String, String)> = vec![
        ("My-Header1".into(), "  value1 ".into()),
        ("my-header1".into(), "a   b".into()),
        ("User-Agent".into(), "x".into()),
        ("Authorization".into(), "old".into()),
    ];
    let request = SignableRequest {
        method: "GET",
        path: "/",
        query: "",
        headers: &headers,
        body: b"",
    };
    assert_eq!(signed_headers(&request, Some("h")), "host;my-header1");
    assert!(canonical_request(&request, Some("h")).contains("my-header1:value1,a b\n"));
}
