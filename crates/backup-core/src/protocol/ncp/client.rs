//! The NCP protocol over the one invoke path, its settings and the client factory.

use super::*;

/// The NCP API Gateway protocol of one client: its vendor name (for errors and traces) and
/// what is added to every request.
#[derive(Debug, Clone)]
pub struct NcpProtocol {
    vendor: &'static str,
    options: RequestOptions,
}

impl NcpProtocol {
    /// The protocol for `vendor` (`ncp-vcache`, ...) with `options`.
    pub fn new(vendor: &'static str, options: RequestOptions) -> Self {
        Self { vendor, options }
    }
}

impl Protocol for NcpProtocol {
    type Classifier = NcpClassifier;

    fn classifier(&self) -> NcpClassifier {
        NcpClassifier
    }

    fn build_request(
        &self,
        spec: &OperationSpec,
        parts: &RequestParts,
    ) -> Result<HttpRequest, Error> {
        build_request(spec, parts, &self.options)
    }

    fn decode<O: DeserializeOwned + 'static>(
        &self,
        spec: &OperationSpec,
        response: &HttpResponse,
    ) -> Result<O, Error> {
        decode_success(self.vendor, spec, response)
    }

    fn decode_in_one_pass<O: DeserializeOwned + 'static>(
        &self,
        spec: &OperationSpec,
        response: &HttpResponse,
    ) -> Option<O> {
        envelope::decode_clean_json(spec, response)
    }
}

/// A configured connection to the NCP API gateway for one service: builds, signs, sends,
/// retries and decodes. Cheap to clone.
///
/// Vendor crates wrap it (see [`FromGateway`]); through [`HasConnection`] it implements
/// [`Invoke`](crate::operation::Invoke), the interface generated operation code calls.
pub type Gateway = Connection<NcpProtocol>;

impl Connection<NcpProtocol> {
    /// Starts configuring a bare gateway (vendor name `ncp`).
    pub fn builder() -> GatewayBuilder<Gateway> {
        GatewayBuilder::new()
    }

    /// The vendor name used in errors and traces (`ncp-vcache`, ...).
    pub fn vendor(&self) -> &'static str {
        self.protocol().vendor
    }

    /// What is added to every request (style, format, default region).
    pub fn options(&self) -> &RequestOptions {
        &self.protocol().options
    }
}

/// A client type built from a [`Gateway`]: what [`GatewayBuilder::build`] produces. A type
/// implementing it is a [`ClientFactory`] of [`NcpSettings`] and gets
/// [`Invoke`](crate::operation::Invoke) through [`HasConnection`].
pub trait FromGateway: Sized + Send + Sync {
    /// The vendor name used in errors and traces, such as `ncp-vcache`.
    const VENDOR: &'static str;
    /// The crate's `name/version`, put in front of the `User-Agent`.
    const USER_AGENT: &'static str;
    /// Wraps the gateway.
    fn from_gateway(gateway: Gateway) -> Self;
    /// The gateway calls go through.
    fn gateway(&self) -> &Gateway;
}

impl<C: FromGateway> HasConnection for C {
    type Protocol = NcpProtocol;

    fn connection(&self) -> &Gateway {
        self.gateway()
    }
}

impl<C: FromGateway> ClientFactory<NcpSettings> for C {
    type Credentials = NcpCredentials;

    fn build(config: ClientConfig<NcpCredentials>, settings: NcpSettings) -> Result<C, Error> {
        let user_agent = format!(
            "{} backup-core/{}",
            C::USER_AGENT,
            env!("CARGO_PKG_VERSION")
        );
        build_gateway(C::VENDOR, user_agent, config, settings).map(C::from_gateway)
    }
}

impl ClientFactory<NcpSettings> for Gateway {
    type Credentials = NcpCredentials;

    fn build(config: ClientConfig<NcpCredentials>, settings: NcpSettings) -> Result<Self, Error> {
        let user_agent = concat!("backup-core/", env!("CARGO_PKG_VERSION")).to_owned();
        build_gateway("ncp", user_agent, config, settings)
    }
}

fn build_gateway(
    vendor: &'static str,
    user_agent: String,
    config: ClientConfig<NcpCredentials>,
    settings: NcpSettings,
) -> Result<Gateway, Error> {
    let (endpoint, _source) = resolve_endpoint(
        config.endpoint.as_deref(),
        settings.site,
        &*config.environment,
    );
    let credentials = config.credentials.unwrap_or_else(|| {
        Arc::new(CachedProvider::new(NcpDefaultChain::with_environment(
            config.environment.clone(),
        )))
    });
    let protocol = NcpProtocol::new(vendor, settings.request);
    let builder = ServiceClient::builder(vendor)
        .endpoint(endpoint)
        .signer(NcpSigner::from_shared(credentials))
        .classifier(protocol.classifier())
        .user_agent(user_agent);
    let service = config.options.apply(builder).build()?;
    Ok(Connection::new(service, protocol))
}

/// What only NCP clients configure: the site and what is added to every request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NcpSettings {
    /// The site, when chosen (see [`resolve_endpoint`]).
    pub site: Option<Site>,
    /// Request style, response format and default region.
    pub request: RequestOptions,
}

/// Configures a [`Gateway`], or a vendor client `C` wrapping one: the one
/// [`ClientBuilder`] with [`NcpSettings`].
///
/// Defaults: credentials from [`NcpDefaultChain`] (environment, then
/// `~/.ncloud/configure`), read once; the endpoint from [`resolve_endpoint`]; `POST` form
/// requests; JSON responses; no default region (the service then uses the first region of
/// `getRegionList`); the transport's default retries and timeouts.
pub type GatewayBuilder<C = Gateway> = ClientBuilder<C, NcpSettings>;

impl<C: ClientFactory<NcpSettings>> ClientBuilder<C, NcpSettings> {
    /// The site (public, gov, fin). Overrides `NCLOUD_API_GW`; overridden by
    /// [`endpoint`](Self::endpoint).
    pub fn site(mut self, site: Site) -> Self {
        self.settings_mut().site = Some(site);
        self
    }

    /// The `regionCode` sent when an operation's input leaves it unset.
    pub fn region(mut self, region: impl Into<RegionCode>) -> Self {
        self.settings_mut().request.default_region = Some(region.into());
        self
    }

    /// JSON (default) or XML responses.
    pub fn response_format(mut self, format: ResponseFormat) -> Self {
        self.settings_mut().request.format = format;
        self
    }

    /// `POST` with a form body (default) or `GET` with a query.
    pub fn request_style(mut self, style: RequestStyle) -> Self {
        self.settings_mut().request.style = style;
        self
    }
}
