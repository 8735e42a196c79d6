<?php

declare(strict_types=1);

require dirname(__DIR__) . '/vendor/autoload.php';

(new App\Router())
    ->handle($_SERVER['REQUEST_METHOD'] ?? 'GET', $_SERVER['REQUEST_URI'] ?? '/')
    ->send();
