/**
 * SQL written against the Python usage-logging table `llm_request_logs`, using only the columns
 * its documentation lists (task_type, request_mode, model_name, provider, session_id, request_id,
 * input/output/total_tokens, cost_input/output/total_usd, success, error_type, error_message,
 * streamed, partial) plus user_id and created_at. That documentation gives the column list but no
 * SQL of its own, so these are the everyday questions asked of it. The same text runs on SQLite
 * and PostgreSQL, unchanged.
 */
export const USAGE_LOGGING_QUERIES = {
  byTaskType: `
    SELECT task_type, COUNT(*) AS requests, SUM(input_tokens) AS input_tokens,
           SUM(output_tokens) AS output_tokens, SUM(total_tokens) AS total_tokens,
           SUM(cost_total_usd) AS cost_total_usd
    FROM llm_request_logs
    GROUP BY task_type
    ORDER BY task_type`,
  costByModel: `
    SELECT model_name, provider, SUM(cost_input_usd) AS cost_input_usd,
           SUM(cost_output_usd) AS cost_output_usd, SUM(cost_total_usd) AS cost_total_usd
    FROM llm_request_logs
    GROUP BY model_name, provider
    ORDER BY model_name`,
  failures: `
    SELECT request_id, task_type, error_type, error_message
    FROM llm_request_logs
    WHERE success = false
    ORDER BY request_id`,
  bySession: `
    SELECT session_id, COUNT(*) AS requests, SUM(total_tokens) AS total_tokens, SUM(cost_total_usd) AS cost_total_usd
    FROM llm_request_logs
    WHERE session_id IS NOT NULL
    GROUP BY session_id
    ORDER BY session_id`,
  streaming: `
    SELECT request_mode, streamed, partial, COUNT(*) AS requests
    FROM llm_request_logs
    GROUP BY request_mode, streamed, partial
    ORDER BY request_mode, streamed, partial`,
  successRate: `
    SELECT task_type, SUM(CASE WHEN success THEN 1 ELSE 0 END) AS succeeded, COUNT(*) AS requests
    FROM llm_request_logs
    GROUP BY task_type
    ORDER BY task_type`,
  userSpendSince: `
    SELECT user_id, SUM(cost_total_usd) AS cost_total_usd
    FROM llm_request_logs
    WHERE created_at >= '2000-01-01' AND user_id IS NOT NULL
    GROUP BY user_id
    ORDER BY user_id`,
} as const;
