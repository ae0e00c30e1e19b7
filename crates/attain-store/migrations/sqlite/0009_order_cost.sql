-- The cost of an order's lines, kept on the order: margin rollups read the
-- orders instead of every line.
ALTER TABLE orders ADD COLUMN cost_minor BIGINT NOT NULL DEFAULT 0;
UPDATE orders SET cost_minor = COALESCE((SELECT SUM(l.cost_minor) FROM order_lines l WHERE l.order_id = orders.id), 0);
