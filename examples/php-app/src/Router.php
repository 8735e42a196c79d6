<?php

declare(strict_types=1);

namespace App;

final class Router
{
    public function handle(string $method, string $uri): Response
    {
        $path = parse_url($uri, PHP_URL_PATH);
        if (!is_string($path)) {
            return Response::text('bad request', 400);
        }
        if ($method !== 'GET' && $method !== 'HEAD') {
            return Response::text('method not allowed', 405);
        }

        if ($path === '/') {
            return Response::text(Greeting::line());
        }
        if ($path === '/healthz') {
            return Response::text('ok');
        }
        if (preg_match('#^/hello/([^/]+)$#', $path, $m) === 1) {
            try {
                return Response::json(['message' => Greeting::line(rawurldecode($m[1]))]);
            } catch (\InvalidArgumentException $e) {
                return Response::json(['error' => $e->getMessage()], 400);
            }
        }

        return Response::text('not found', 404);
    }
}
