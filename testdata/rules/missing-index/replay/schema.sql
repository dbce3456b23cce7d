-- A shop schema in PostgreSQL dialect, as pg_dump writes it.
SET client_encoding = 'UTF8';
CREATE TABLE public.customers (
    id bigint NOT NULL,
    email character varying(255) NOT NULL,
    country_code character(2)
);
ALTER TABLE ONLY public.customers ADD CONSTRAINT customers_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX customers_lower_email ON public.customers USING btree (lower((email)::text));
CREATE TABLE public.orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers(id),
    status text NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    total numeric(12,2)
);
CREATE INDEX orders_status_created ON public.orders USING btree (status, created_at);
CREATE INDEX orders_open_total ON public.orders (total) WHERE status = 'open';
CREATE TABLE public.countries (code character(2) PRIMARY KEY, name text);
CREATE TABLE public.audit (id bigserial, actor text, at timestamptz);
CREATE INDEX audit_search ON public.audit USING gin (actor);
CREATE VIEW public.big_orders AS SELECT * FROM orders WHERE total > 1000;
CREATE TABLE public.coupons (id bigserial PRIMARY KEY, code text NOT NULL, campaign text);
CREATE TABLE public.warehouses (id bigserial PRIMARY KEY, city text NOT NULL);
