//! One client builder for every vendor: the transport settings are written here once, and
//! each vendor client says how it is made from them ([`ClientFactory`]).
//!
//! A vendor crate's `ClientBuilder` is `ClientBuilder<Client, Settings>`: the endpoint,
//! credentials, environment and [`ClientOptions`] live in the [`ClientConfig`] every vendor
//! shares, and what only one protocol has (NCP's site and request style, GES's region and
//! project id) lives in its settings type, whose setters are inherent methods of
//! `ClientBuilder<C, ThatSettings>` next to the settings type. A transport setting added
//! here therefore reaches every vendor at once.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::clock::Clock;
use crate::credentials::{Environment, ProcessEnvironment, ProvideCredentials, SharedProvider};
use crate::{ClientOptions, Error, RetryConfig, Timeouts};

/// A vendor client that can be made from a [`ClientConfig`] and the vendor's own
/// `Settings`: what [`ClientBuilder::build`] calls.
pub trait ClientFactory<Settings>: Sized {
    /// The credentials the vendor signs with (`NcpCredentials`, `OcpCredentials`,
    /// `HuaweiCredentials`).
    type Credentials: Clone + Send + Sync + 'static;

    /// Makes the client. Fixed credentials in `config` have already passed
    /// [`ProvideCredentials::check_fixed`].
    fn build(config: ClientConfig<Self::Credentials>, settings: Settings) -> Result<Self, Error>;
}

/// The settings every vendor client has, as the builder collected them.
#[non_exhaustive]
pub struct ClientConfig<Cr> {
    /// The endpoint set with [`ClientBuilder::endpoint`]; each vendor has its own default.
    pub endpoint: Option<String>,
    /// The credentials set on the builder; each vendor has its own default chain.
    pub credentials: Option<SharedProvider<Cr>>,
    /// Where default credentials and endpoint overrides are read from.
    pub environment: Arc<dyn Environment>,
    /// The transport settings, applied to the [`ServiceClientBuilder`](crate::ServiceClientBuilder)
    /// after the vendor's own (so a caller's `user_agent` wins).
    pub options: ClientOptions,
}

impl<Cr> Default for ClientConfig<Cr> {
    fn default() -> Self {
        Self {
            endpoint: None,
            credentials: None,
            environment: Arc::new(ProcessEnvironment),
            options: ClientOptions::default(),
        }
    }
}

impl<Cr> fmt::Debug for ClientConfig<Cr> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials.as_ref().map(|_| "[set]"))
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Configures a vendor client `C` whose own settings are `S`.
///
/// Each vendor crate names it `ClientBuilder` and hands one out from `Client::builder()`.
/// The transport setters below are the same for every vendor; the vendor's own setters
/// (an NCP site, a GES project id) are documented with its settings type.
pub struct ClientBuilder<C, S = ()>
where
    C: ClientFactory<S>,
{
    config: ClientConfig<C::Credentials>,
    settings: S,
    client: PhantomData<fn() -> C>,
}

impl<C, S> fmt::Debug for ClientBuilder<C, S>
where
    C: ClientFactory<S>,
    S: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("settings", &self.settings)
            .finish()
    }
}

impl<C, S> Default for ClientBuilder<C, S>
where
    C: ClientFactory<S>,
    S: Default,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<C, S> ClientBuilder<C, S>
where
    C: ClientFactory<S>,
    S: Default,
{
    /// A builder with every setting at its default.
    pub fn new() -> Self {
        Self {
            config: ClientConfig::default(),
            settings: S::default(),
            client: PhantomData,
        }
    }
}

impl<C, S> ClientBuilder<C, S>
where
    C: ClientFactory<S>,
{
    /// The vendor's settings, for the setters written next to the settings type.
    pub fn settings_mut(&mut self) -> &mut S {
        &mut self.settings
    }

    /// The shared settings, for vendor setters that change one of them (a GES token
    /// replaces the AK/SK credentials).
    pub fn config_mut(&mut self) -> &mut ClientConfig<C::Credentials> {
        &mut self.config
    }

    /// The endpoint: `https://host[:port][/prefix]`. Each vendor documents its default;
    /// plain `http://` is accepted for loopback hosts only, unless
    /// [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.config.endpoint = Some(endpoint.into());
        self
    }

    /// Fixed credentials or any provider of them (a vault, a custom chain), consulted
    /// before each attempt, so a provider should cache. Default: the vendor's chain over
    /// the [environment](Self::environment).
    pub fn credentials(
        mut self,
        credentials: impl ProvideCredentials<Credentials = C::Credentials> + 'static,
    ) -> Self {
        self.config.credentials = Some(Arc::new(credentials));
        self
    }

    /// A credentials provider shared with other clients.
    pub fn shared_credentials(mut self, credentials: SharedProvider<C::Credentials>) -> Self {
        self.config.credentials = Some(credentials);
        self
    }

    /// Where the vendor's variables (default credentials, endpoint and project overrides)
    /// are read from. Default: the process environment.
    pub fn environment(mut self, environment: impl Environment + 'static) -> Self {
        self.config.environment = Arc::new(environment);
        self
    }

    /// The retry policy. Default: [`RetryConfig::standard`]; an operation that may start
    /// a backup is never retried after a failure that may have reached the server.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.config.options.retry = Some(retry);
        self
    }

    /// Connect and per-attempt timeouts. Default: [`Timeouts::default`].
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.config.options.timeouts = Some(timeouts);
        self
    }

    /// The clock signing times come from (tests freeze it). Default: the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.config.options.clock = Some(clock);
        self
    }

    /// Whether a signing time the server refuses (the local clock is off) is corrected
    /// from the response's `Date` and the request re-sent once; the learned offset is kept
    /// for later calls. Default: on. See [`crate::skew`].
    pub fn clock_skew_correction(mut self, correct: bool) -> Self {
        self.config.options.clock_skew_correction = Some(correct);
        self
    }

    /// Replaces the `User-Agent`. Default: the vendor crate's `name/version` and
    /// backup-core's.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.config.options.user_agent = Some(user_agent.into());
        self
    }

    /// The largest response body accepted. Default 8 MiB.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.config.options.max_body_bytes = Some(bytes);
        self
    }

    /// Allows plain `http://` to a host that is not loopback (`localhost`, `127.0.0.0/8`
    /// and `::1` are always allowed). Off by default: passwords, tokens and the storage
    /// keys of backup requests would cross the network unencrypted. Prefer
    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem) for an internal CA.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.config.options.allow_insecure_http = allow;
        self
    }

    /// Also trusts the CA certificates in `pem` (one or more PEM `CERTIFICATE` blocks)
    /// besides the built-in roots, for a server whose certificate an internal CA issued.
    /// Can be called more than once; a PEM without a parseable certificate fails
    /// [`build`](Self::build) with [`Error::Config`].
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.config.options.root_certificates_pem.push(pem.into());
        self
    }

    /// Checks the configuration and builds the client. Sends nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an endpoint that is not an `https://` URL (or plain `http://`
    /// to a non-loopback host without [`allow_insecure_http`](Self::allow_insecure_http)),
    /// one with a query, fragment or user info, or a root certificate that does not parse;
    /// [`Error::InvalidCredentials`] for fixed credentials that cannot be sent (CR, LF,
    /// NUL...); the vendor's own configuration errors. Credentials from a provider are
    /// looked up before the first request, not here.
    pub fn build(self) -> Result<C, Error> {
        if let Some(credentials) = &self.config.credentials {
            credentials.check_fixed()?;
        }
        C::build(self.config, self.settings)
    }
}
