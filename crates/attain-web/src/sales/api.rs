//! Read endpoints of the CRM core: deals, customers, orders. Every query
//! goes through the caller's visibility, so another rep's record is a 404.

use attain_core::sales::{Customer, Deal, Order};
use attain_core::{CustomerId, DealId, Money, OrderId, UserId};
use attain_store::{CustomerFilter, DealFilter, OrderFilter, Paged};
use axum::extract::{Path, Query, State};

use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::http::context::ApiUser;
use crate::http::error::ErrorBody;
use crate::{ApiError, AppState};

pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list_deals))
        .routes(utoipa_axum::routes!(get_deal))
        .routes(utoipa_axum::routes!(list_customers))
        .routes(utoipa_axum::routes!(get_customer))
        .routes(utoipa_axum::routes!(list_orders))
        .routes(utoipa_axum::routes!(get_order))
}

/// Money on the wire: an exact decimal string plus the currency code.
#[derive(Serialize, utoipa::ToSchema)]
struct MoneyDto {
    amount: String,
    currency: &'static str,
}

impl From<&Money> for MoneyDto {
    fn from(m: &Money) -> Self {
        Self {
            amount: m.rounded().amount().to_string(),
            currency: m.currency().code(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct PageDto<T> {
    items: Vec<T>,
    total: i64,
    offset: i64,
    limit: i64,
}

fn page<S, T: for<'a> From<&'a S>>(p: Paged<S>, offset: i64, limit: i64) -> PageDto<T> {
    PageDto {
        items: p.items.iter().map(T::from).collect(),
        total: p.total,
        offset,
        limit,
    }
}

fn bad(field: &str, value: &str, message: String) -> ApiError {
    ApiError::bad_field(field, value, message)
}

fn parse_opt<T: std::str::FromStr>(
    field: &str,
    value: &Option<String>,
) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|e: T::Err| bad(field, text, format!("{field}: {e}"))),
    }
}

fn parse_date(field: &str, value: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    ApiError::query_date(field, value.as_deref())
}

fn paging(offset: Option<i64>, limit: Option<i64>) -> Result<(i64, i64), ApiError> {
    ApiError::paging(offset, limit, 100, crate::http::error::MAX_PAGE)
}

#[derive(Serialize, utoipa::ToSchema)]
struct DealDto {
    id: i64,
    name: String,
    customer: i64,
    owner: i64,
    amount: MoneyDto,
    stage: String,
    probability: u8,
    forecast_category: &'static str,
    status: &'static str,
    created_on: NaiveDate,
    expected_close_on: NaiveDate,
    closed_on: Option<NaiveDate>,
    lost_reason: Option<String>,
    source_channel: Option<String>,
    external_id: Option<String>,
}

impl From<&Deal> for DealDto {
    fn from(d: &Deal) -> Self {
        Self {
            id: d.id.raw(),
            name: d.name.clone(),
            customer: d.customer.raw(),
            owner: d.owner.raw(),
            amount: MoneyDto::from(&d.amount),
            stage: d.stage.clone(),
            probability: d.probability,
            forecast_category: d.forecast_category.key(),
            status: d.status.key(),
            created_on: d.created_on,
            expected_close_on: d.expected_close_on,
            closed_on: d.closed_on,
            lost_reason: d.lost_reason.clone(),
            source_channel: d.source_channel.clone(),
            external_id: d.external_id.as_ref().map(|e| e.to_string()),
        }
    }
}

/// A parameter this list does not know is a 400 naming it, never ignored
/// (a filter that is silently dropped answers a different question).
#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct DealQuery {
    status: Option<String>,
    #[serde(alias = "owner_id")]
    owner: Option<String>,
    #[serde(alias = "customer_id")]
    customer: Option<String>,
    /// `from`, as for every other list, filters the deal's close date.
    #[serde(alias = "from")]
    closed_from: Option<String>,
    #[serde(alias = "to")]
    closed_to: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/deals", tag = "sales", params(DealQuery), responses((status = 200, body = PageDto<DealDto>), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn list_deals(
    State(state): State<AppState>,
    caller: ApiUser,
    Query(q): Query<DealQuery>,
) -> Result<Json<PageDto<DealDto>>, ApiError> {
    let filter = DealFilter {
        status: parse_opt("status", &q.status)?,
        owner: parse_opt::<UserId>("owner", &q.owner)?,
        customer: parse_opt::<CustomerId>("customer", &q.customer)?,
        closed_from: parse_date("closed_from", &q.closed_from)?,
        closed_to: parse_date("closed_to", &q.closed_to)?,
    };
    let (offset, limit) = paging(q.offset, q.limit)?;
    let found = state
        .store()
        .deals_visible(&caller.principal.visibility(), &filter, offset, limit)
        .await?;
    Ok(Json(page(found, offset, limit)))
}

#[derive(Serialize, utoipa::ToSchema)]
struct StageDto {
    stage: String,
    entered_on: NaiveDate,
}

#[derive(Serialize, utoipa::ToSchema)]
struct DealDetail {
    #[serde(flatten)]
    deal: DealDto,
    stage_history: Vec<StageDto>,
}

fn parse_id<T: std::str::FromStr<Err = attain_core::ids::IdParseError>>(
    text: &str,
) -> Result<T, ApiError> {
    text.parse()
        .map_err(|e: attain_core::ids::IdParseError| bad("id", text, e.to_string()))
}

#[utoipa::path(get, path = "/deals/{id}", tag = "sales", params(("id" = i64, Path, description = "The deal's ID")), responses((status = 200, body = DealDetail), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn get_deal(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<DealDetail>, ApiError> {
    let id: DealId = parse_id(&id)?;
    let visibility = caller.principal.visibility();
    let deal = state.store().deal_visible(&visibility, id).await?;
    let stages = state.store().deal_stages(&visibility, id).await?;
    Ok(Json(DealDetail {
        deal: DealDto::from(&deal),
        stage_history: stages
            .into_iter()
            .map(|s| StageDto {
                stage: s.stage,
                entered_on: s.entered_on,
            })
            .collect(),
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct CustomerDto {
    id: i64,
    name: String,
    industry: Option<String>,
    region: Option<String>,
    size: Option<&'static str>,
    segment: Option<String>,
    source_channel: Option<String>,
    owner: Option<i64>,
    status: &'static str,
    in_pool: bool,
    created_on: NaiveDate,
    external_id: Option<String>,
}

impl From<&Customer> for CustomerDto {
    fn from(c: &Customer) -> Self {
        Self {
            id: c.id.raw(),
            name: c.name.clone(),
            industry: c.industry.clone(),
            region: c.region.clone(),
            size: c.size.map(|s| s.key()),
            segment: c.segment.clone(),
            source_channel: c.source_channel.clone(),
            owner: c.owner.map(UserId::raw),
            status: c.status.key(),
            in_pool: c.in_pool,
            created_on: c.created_on,
            external_id: c.external_id.as_ref().map(|e| e.to_string()),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct CustomerQuery {
    #[serde(alias = "owner_id")]
    owner: Option<String>,
    status: Option<String>,
    q: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/customers", tag = "sales", params(CustomerQuery), responses((status = 200, body = PageDto<CustomerDto>), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn list_customers(
    State(state): State<AppState>,
    caller: ApiUser,
    Query(q): Query<CustomerQuery>,
) -> Result<Json<PageDto<CustomerDto>>, ApiError> {
    let filter = CustomerFilter {
        owner: parse_opt::<UserId>("owner", &q.owner)?,
        status: parse_opt("status", &q.status)?,
        name_contains: q.q.filter(|s| !s.trim().is_empty()),
    };
    let (offset, limit) = paging(q.offset, q.limit)?;
    let found = state
        .store()
        .customers_visible(&caller.principal.visibility(), &filter, offset, limit)
        .await?;
    Ok(Json(page(found, offset, limit)))
}

#[utoipa::path(get, path = "/customers/{id}", tag = "sales", params(("id" = i64, Path, description = "The customer's ID")), responses((status = 200, body = CustomerDto), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn get_customer(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<CustomerDto>, ApiError> {
    let id: CustomerId = parse_id(&id)?;
    let customer = state
        .store()
        .customer_visible(&caller.principal.visibility(), id)
        .await?;
    Ok(Json(CustomerDto::from(&customer)))
}

#[derive(Serialize, utoipa::ToSchema)]
struct OrderDto {
    id: i64,
    number: String,
    customer: i64,
    owner: i64,
    deal: Option<i64>,
    order_date: NaiveDate,
    total: MoneyDto,
    status: &'static str,
    external_id: Option<String>,
}

impl From<&Order> for OrderDto {
    fn from(o: &Order) -> Self {
        Self {
            id: o.id.raw(),
            number: o.number.clone(),
            customer: o.customer.raw(),
            owner: o.owner.raw(),
            deal: o.deal.map(DealId::raw),
            order_date: o.order_date,
            total: MoneyDto::from(&o.total),
            status: if o.cancelled {
                "cancelled"
            } else {
                "confirmed"
            },
            external_id: o.external_id.as_ref().map(|e| e.to_string()),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct OrderQuery {
    #[serde(alias = "owner_id")]
    owner: Option<String>,
    #[serde(alias = "customer_id")]
    customer: Option<String>,
    from: Option<String>,
    to: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/orders", tag = "sales", params(OrderQuery), responses((status = 200, body = PageDto<OrderDto>), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn list_orders(
    State(state): State<AppState>,
    caller: ApiUser,
    Query(q): Query<OrderQuery>,
) -> Result<Json<PageDto<OrderDto>>, ApiError> {
    let filter = OrderFilter {
        owner: parse_opt::<UserId>("owner", &q.owner)?,
        customer: parse_opt::<CustomerId>("customer", &q.customer)?,
        from: parse_date("from", &q.from)?,
        to: parse_date("to", &q.to)?,
    };
    let (offset, limit) = paging(q.offset, q.limit)?;
    let found = state
        .store()
        .orders_visible(&caller.principal.visibility(), &filter, offset, limit)
        .await?;
    Ok(Json(page(found, offset, limit)))
}

#[derive(Serialize, utoipa::ToSchema)]
struct LineDto {
    /// `null` for a line without a product (an imported order total).
    product: Option<i64>,
    quantity: i64,
    unit_price: MoneyDto,
    amount: MoneyDto,
    cost: MoneyDto,
}

#[derive(Serialize, utoipa::ToSchema)]
struct PaymentDto {
    received_on: NaiveDate,
    amount: MoneyDto,
    method: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct OrderDetail {
    #[serde(flatten)]
    order: OrderDto,
    lines: Vec<LineDto>,
    payments: Vec<PaymentDto>,
}

#[utoipa::path(get, path = "/orders/{id}", tag = "sales", params(("id" = i64, Path, description = "The order's ID")), responses((status = 200, body = OrderDetail), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn get_order(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<OrderDetail>, ApiError> {
    let id: OrderId = parse_id(&id)?;
    let (order, lines, payments) = state
        .store()
        .order_visible(&caller.principal.visibility(), id)
        .await?;
    Ok(Json(OrderDetail {
        order: OrderDto::from(&order),
        lines: lines
            .iter()
            .map(|l| LineDto {
                product: l.product.map(|p| p.raw()),
                quantity: l.quantity,
                unit_price: MoneyDto::from(&l.unit_price),
                amount: MoneyDto::from(&l.amount),
                cost: MoneyDto::from(&l.cost),
            })
            .collect(),
        payments: payments
            .iter()
            .map(|p| PaymentDto {
                received_on: p.received_on,
                amount: MoneyDto::from(&p.amount),
                method: p.method.clone(),
            })
            .collect(),
    }))
}
