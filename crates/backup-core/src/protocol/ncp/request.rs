//! Requests: parameters as a form body or a query, checked before anything is sent.

use super::*;

/// Builds the request for `spec` with `parts`: nothing is signed yet.
///
/// Parameters keep the order of `parts` (the description's order); a default region, when
/// the input has none, comes first and `responseFormatType` last. Every parameter value is
/// checked again here, whatever produced `parts`: an empty value, a control character or a
/// caller-supplied `responseFormatType` is an [`Error::InvalidInput`], so nothing is sent.
pub fn build_request(
    spec: &OperationSpec,
    parts: &RequestParts,
    options: &RequestOptions,
) -> Result<HttpRequest, Error> {
    if spec.body == BodyKind::Json {
        return Err(Error::Config(format!(
            "{}: NCP operations take parameters, not a JSON body (check the API description)",
            spec.name()
        )));
    }
    let path = parts.render_path(spec.path_template)?;
    let mut params: Vec<(&str, &str)> = Vec::with_capacity(parts.params.len() + 2);
    if let Some(region) = &options.default_region
        && parts.param(REGION_CODE_PARAM).is_none()
    {
        params.push((REGION_CODE_PARAM, region.as_str()));
    }
    for (name, value) in &parts.params {
        params.push((name.as_str(), value.as_str()));
    }
    for (name, value) in &params {
        check_param(name, value)?;
    }
    params.push((RESPONSE_FORMAT_PARAM, options.format.as_str()));
    let encoded = encode_pairs(&params);
    let request = match options.style {
        RequestStyle::PostForm => {
            let mut request = HttpRequest::new(Method::Post, path);
            request.set_header("content-type", "application/x-www-form-urlencoded");
            request.body = encoded.into_bytes();
            request
        }
        RequestStyle::GetQuery => {
            let mut request = HttpRequest::new(Method::Get, path);
            request.query = encoded;
            request
        }
    };
    Ok(request)
}

pub(super) fn check_param(name: &str, value: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::invalid_input(
            "(parameter name)",
            "must not be empty",
        ));
    }
    if name == RESPONSE_FORMAT_PARAM {
        return Err(Error::invalid_input(
            name,
            "is set by the client (choose the response format when building it)",
        ));
    }
    crate::operation::no_control_chars(name, name)?;
    if value.is_empty() {
        return Err(Error::invalid_input(name, "must not be empty"));
    }
    crate::operation::no_control_chars(name, value)
}
