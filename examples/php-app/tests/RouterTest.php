<?php

declare(strict_types=1);

namespace App\Tests;

use App\Router;
use PHPUnit\Framework\TestCase;

final class RouterTest extends TestCase
{
    private Router $router;

    protected function setUp(): void
    {
        $this->router = new Router();
    }

    public function testIndex(): void
    {
        $res = $this->router->handle('GET', '/');
        self::assertSame(200, $res->status);
        self::assertSame("hello from php-app\n", $res->body);
    }

    public function testHealthz(): void
    {
        $res = $this->router->handle('GET', '/healthz?probe=1');
        self::assertSame(200, $res->status);
        self::assertSame("ok\n", $res->body);
    }

    public function testHelloJson(): void
    {
        $res = $this->router->handle('GET', '/hello/Grace%20Hopper');
        self::assertSame(200, $res->status);
        self::assertSame(['message' => 'hello Grace Hopper, from php-app'], json_decode($res->body, true));
    }

    public function testUnknownPathIs404(): void
    {
        self::assertSame(404, $this->router->handle('GET', '/nope')->status);
    }

    public function testPostIsRejected(): void
    {
        self::assertSame(405, $this->router->handle('POST', '/')->status);
    }
}
